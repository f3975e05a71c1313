/**
 * A throwaway PostgreSQL server for tests, benchmarks and `npm run db:start`: `initdb` in a fresh
 * temporary folder, the server listening on 127.0.0.1 only, on a free port, with trust
 * authentication for the one local user `hwtotp`. Stopping it deletes the folder.
 *
 * The server binaries come from Debian's `postgresql` package (tools/scripts/ensure-system-deps.mjs
 * installs it). initdb and postgres refuse to run as root, so as root they run as the `postgres`
 * user (or `nobody`), owning the temporary folder.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A running throwaway server. */
export interface ThrowawayPostgres {
  /** postgres://hwtotp@127.0.0.1:PORT/hwtotp */
  url: string;
  port: number;
  /** The temporary folder (data directory and log). */
  dir: string;
  /** The URL of database `name`, created if missing. */
  database(name: string): Promise<string>;
  /** Stops the server (fast shutdown: connections are cut) but keeps the data; start() brings it back. */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
}

/** Options of startPostgres. */
export interface ThrowawayOptions {
  /** fsync on every commit, as in production (default false: tests need no durability, and are faster). */
  durable?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: { [name: string]: string | number };
}

/** The directory of the newest installed PostgreSQL server binaries. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'postgres'))) return join(root, v, 'bin');
  throw new Error('the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/postgres); ' +
    'run: node tools/scripts/ensure-system-deps.mjs postgresql');
}

/** uid/gid to run the server as: ourselves, or an unprivileged user when we are root. */
function serverUser(): { uid?: number; gid?: number } {
  if (!process.getuid || process.getuid() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch { /* try the next */ }
  }
  throw new Error('running as root, and neither the postgres nor the nobody user exists to run PostgreSQL as');
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until the server accepts a connection, or throws with its log. */
async function waitReady(url: string, child: ChildProcess, log: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited with status ${child.exitCode} while starting; its log:\n${logTail(log)}`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return;
    } catch (e) {
      last = e;
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms (${(last as Error)?.message}); its log:\n${logTail(log)}`);
}

/** Starts a throwaway server; throws (never skips) when it cannot. */
export async function startPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const asUser = { ...user, env: { ...process.env, LC_ALL: 'C', HOME: dir } };
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'hwtotp', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...asUser, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message}`, { cause: e });
  }
  const port = await freePort();
  const settings: { [k: string]: string | number } = {
    listen_addresses: '127.0.0.1', port, unix_socket_directories: dir, max_connections: 200,
    fsync: options.durable ? 'on' : 'off', synchronous_commit: options.durable ? 'on' : 'off',
    full_page_writes: options.durable ? 'on' : 'off', ...options.settings,
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const url = `postgres://hwtotp@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const fd = openSync(log, 'a');
    if (user.uid !== undefined) chownSync(log, user.uid, user.gid!);
    child = spawn(join(bin, 'postgres'), args, { ...asUser, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await waitReady(url, child, log);
  };
  const halt = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGINT'); // fast shutdown: roll back open transactions, cut every connection
    await exited;
  };
  try {
    await start();
  } catch (e) {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { return await fn(c); } finally { await c.end(); }
  };
  const database = async (name: string): Promise<string> => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${JSON.stringify(name)}`);
    await admin(async (c) => {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await c.query(`CREATE DATABASE ${name}`);
    });
    return url.replace(/\/postgres$/, '/' + name);
  };
  return {
    url: await database('hwtotp'), port, dir, database, halt, start,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
