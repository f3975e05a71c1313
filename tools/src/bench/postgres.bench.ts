/**
 * `npm run bench -- postgres`: sign-in checks through HTTP on the SQLite and the PostgreSQL
 * registry, with real `hwtotp serve` processes (tools/src/serve-process.ts) and a throwaway
 * PostgreSQL started for the run (durable: fsync and synchronous_commit on, as in production).
 *
 * 1. Checks/s with the replay write (every check is an accepted code: window computed, last step
 *    written with its guard, audit row) for SQLite × 1 serve, PostgreSQL × 1 serve and PostgreSQL ×
 *    2 serves (requests alternate between them, as a load balancer would), the ratios, and the CPU
 *    per check of the serve processes and of PostgreSQL (from /proc).
 * 2. The cost of one check as the registry grows: 10k, 100k and 1M tokens in PostgreSQL, check rate
 *    and p99 latency at each size (one serve process).
 *
 * Set-up shortcuts, for speed only: the measured tokens are imported through the verifier (sealed
 * as always) and then assigned to their users by one SQL UPDATE instead of one enable each, with a
 * last step in the past so each user's current code is fresh. The filler tokens that take the
 * registry to 100k and 1M rows are inserted by PostgreSQL itself (generate_series), assigned to
 * users of their own, with random bytes as sealed seeds: they are never checked, only there to make
 * the tables and indexes as large as a real registry of that size.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { nobleHmac, toHex, totp } from '@hwtotp/protocol/host';
import { openVerifier } from '@hwtotp/verifier';
import { startPostgres, type ThrowawayPostgres } from '../db/throwaway-postgres.ts';
import { startServe, type ServeProcess } from '../serve-process.ts';

const MASTER_KEY = toHex(new Uint8Array(randomBytes(32)));
const API_KEY = 'bench-operator-key-0123456789abcdef';
/** Accepted checks per throughput setup, and per registry size. */
const CHECKS = 4000;
const SCALE_CHECKS = 2000;
const CONCURRENCY = 32;
const TICK = 100; // clock ticks per second in /proc/PID/stat (USER_HZ, 100 on Linux)

/** A measured user: its name and seed. */
interface User { name: string; seed: Uint8Array }

function makeUsers(prefix: string, n: number): User[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${String(i).padStart(7, '0')}`, seed: new Uint8Array(randomBytes(20)) }));
}

/** Imports the users' tokens and assigns them (see the file comment); `assign` runs the SQL. */
async function load(db: string, users: User[], serialPrefix: string, assign: (sql: string, step: number) => Promise<void>): Promise<void> {
  const v = await openVerifier({ db, masterKey: MASTER_KEY, env: {} });
  try {
    for (let i = 0; i < users.length; i += 5000) {
      await v.importTokens(users.slice(i, i + 5000).map((u) => ({ serial: `${serialPrefix}${u.name}`, secret: u.seed })));
    }
  } finally { await v.close(); }
  const step = Math.floor(Date.now() / 30_000) - 10;
  await assign(`UPDATE tokens SET state = 'assigned', "user" = substr(serial, ${serialPrefix.length + 1}), device_name = 'bench', ` +
    `enable_date = created_at, last_step = ${step} WHERE serial LIKE '${serialPrefix}%' AND state = 'unassigned'`, step);
}

/** CPU seconds used so far by these processes (user + system). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch { /* exited */ }
  }
  return ticks / TICK;
}

/** The postmaster and its children (every backend). */
function postgresPids(pg: ThrowawayPostgres): number[] {
  const master = Number(readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const out = [master];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === master) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

/** Sends one accepted code per user, spread over the servers; returns rate, p99 and statuses. */
async function blast(servers: ServeProcess[], users: User[]): Promise<{ rate: number; p99: number; p50: number; statuses: Map<number, number> }> {
  const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: CONCURRENCY }));
  const ports = servers.map((s) => Number(new URL(s.url).port));
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const now = Math.floor(Date.now() / 1000);
  const bodies = users.map((u) => JSON.stringify({ user: u.name, code: totp(nobleHmac, u.seed, now) }));
  let next = 0;
  const one = (i: number): Promise<void> => new Promise((resolve, reject) => {
    const body = bodies[i]!;
    const k = i % servers.length;
    const t0 = performance.now();
    const req = request({
      host: '127.0.0.1', port: ports[k], path: '/api/mfa/check', method: 'POST', agent: agents[k],
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < bodies.length) await one(next++); }));
  const seconds = (performance.now() - start) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  return { rate: bodies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)]!, p50: latencies[Math.floor(latencies.length / 2)]!, statuses };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Measures one setup; throws unless every check was accepted. */
async function measure(label: string, servers: ServeProcess[], users: User[], dbPids: () => number[]): Promise<{ rate: number; p99: number }> {
  const servePids = servers.map((s) => s.child.pid!);
  const before = { serve: cpuSeconds(servePids), db: cpuSeconds(dbPids()) };
  const r = await blast(servers, users);
  const serveCpu = cpuSeconds(servePids) - before.serve;
  const dbCpu = cpuSeconds(dbPids()) - before.db;
  if ((r.statuses.get(200) ?? 0) !== users.length) {
    throw new Error(`${label}: expected ${users.length} × 200, got ${[...r.statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}`);
  }
  console.log(`${label.padEnd(34)} ${fmt(r.rate).padStart(6)} checks/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
    `CPU/check: serve ${(serveCpu / users.length * 1e6).toFixed(0)} µs` + (dbPids().length ? `, PostgreSQL ${(dbCpu / users.length * 1e6).toFixed(0)} µs` : ''));
  return r;
}

/** Runs the bench; prints the figures. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-pg-bench-'));
  const env = { ...process.env, HWTOTP_MASTER_KEY: MASTER_KEY, HWTOTP_API_KEY: API_KEY };
  const flags = ['--user-rate', '100000', '--address-rate', '1000000'];
  const servers: ServeProcess[] = [];
  const serve = async (db: string): Promise<ServeProcess> => { const s = await startServe(db, env, flags); servers.push(s); return s; };
  const stopAll = async (): Promise<void> => { await Promise.all(servers.splice(0).map((s) => s.stop())); };
  const pgServer = await startPostgres({ durable: true });
  const sql = async (url: string, text: string): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { await c.query(text); } finally { await c.end(); }
  };
  try {
    console.log(`${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}; client in this process, ${CONCURRENCY} keep-alive connections; ` +
      `PostgreSQL durable (fsync, synchronous_commit on), SQLite synchronous=NORMAL (WAL; no fsync per commit)`);

    // ---- 1. SQLite × 1, PostgreSQL × 1, PostgreSQL × 2 ---------------------------------------------
    const file = join(dir, 'bench.db');
    const sqliteUsers = makeUsers('s', CHECKS);
    await load(file, sqliteUsers, 'BENCH-', async (text) => { const d = new Database(file); d.exec(text); d.close(); });
    const httpUrl = await pgServer.database('bench_http');
    const pg1 = makeUsers('p', CHECKS);
    const pg2 = makeUsers('q', CHECKS);
    await load(httpUrl, [...pg1, ...pg2], 'BENCH-', (text) => sql(httpUrl, text + '; ANALYZE tokens'));
    console.log(`loaded ${fmt(CHECKS)} tokens into SQLite and ${fmt(2 * CHECKS)} into PostgreSQL`);

    const warm = async (s: ServeProcess[], users: User[]) => { await blast(s, users); };
    await serve(file);
    await warm(servers, sqliteUsers.slice(0, 300));
    const sqlite = await measure('SQLite, 1 serve', servers, sqliteUsers.slice(300), () => []);
    await stopAll();

    await serve(httpUrl);
    await warm(servers, pg1.slice(0, 300));
    const one = await measure('PostgreSQL, 1 serve', servers, pg1.slice(300), () => postgresPids(pgServer));
    await serve(httpUrl);
    await warm(servers, pg2.slice(0, 300));
    const two = await measure('PostgreSQL, 2 serves', servers, pg2.slice(300), () => postgresPids(pgServer));
    await stopAll();
    console.log(`ratios: PostgreSQL×1 / SQLite×1 = ${(one.rate / sqlite.rate).toFixed(2)}, PostgreSQL×2 / PostgreSQL×1 = ${(two.rate / one.rate).toFixed(2)}` +
      ` (on ${cpus().length} shared cores the client, the serves and PostgreSQL compete for the same CPUs)`);

    // ---- 2. 10k, 100k, 1M tokens -----------------------------------------------------------------
    const scaleUrl = await pgServer.database('bench_scale');
    const groups = [10_000, 100_000, 1_000_000].map((size, i) => ({ size, users: makeUsers(`m${i}x`, SCALE_CHECKS) }));
    await load(scaleUrl, groups.flatMap((g) => g.users), 'SCALE-', (text) => sql(scaleUrl, text));
    let filled = 0;
    for (const g of groups) {
      const t0 = performance.now();
      const want = g.size - groups.length * SCALE_CHECKS;
      await sql(scaleUrl, `INSERT INTO tokens (serial, sealed_secret, algorithm, digits, period, state, "user", device_name, enable_date, ` +
        `last_step, origin, created_at, updated_at) SELECT 'FILL' || lpad(g::text, 8, '0'), decode(md5(g::text) || md5((-g)::text), 'hex'), ` +
        `'SHA1', 6, 30, 'assigned', 'fill' || g, 'bench', 0, 0, 'imported', 0, 0 FROM generate_series(${filled + 1}, ${want}) g; ANALYZE tokens`);
      filled = want;
      const s = await serve(scaleUrl);
      await warm([s], g.users.slice(0, 200));
      console.log(`registry at ${fmt(g.size)} tokens (filled in ${((performance.now() - t0) / 1000).toFixed(1)} s):`);
      await measure(`  ${fmt(g.size)} tokens, 1 serve`, [s], g.users.slice(200), () => postgresPids(pgServer));
      await stopAll();
    }
  } finally {
    await stopAll();
    await pgServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
