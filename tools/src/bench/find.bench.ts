/**
 * `npm run bench -- find`: `find` (which token shows these two codes now) over a registry of
 * 100,000 tokens, on a SQLite file then on a throwaway PostgreSQL; target under 1 s. The token
 * sought is the last one, so every token is searched before it.
 *
 * Measured in order, each lookup by a freshly opened verifier, as every `hwtotp find` is:
 * - `cold`: the first lookup after the import, which put every seed in find's index;
 * - `again`: the next lookup by the same verifier;
 * - `rebuild`: after a delete cleared the index, when every seed is unsealed and the index stored again;
 * - `cli`: the whole `hwtotp find` process, Node's start and module loading included;
 * - `miss`: codes no token shows, so a second pass over the auto-resync band follows the first
 *   (100,000 tokens are past findWideBudget: the whole ±1 day window is searched only with --wide).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hotpGenerator, openStore, openVerifier, type Verifier } from '@hwtotp/verifier';
import { startPostgres } from '../db/throwaway-postgres.ts';

const TOKENS = 100_000;
const KEY = 'cd'.repeat(32);
const CLI = fileURLToPath(new URL('../../bin/hwtotp.js', import.meta.url));

function line(label: string, ms: number, cpuMs: number | null, target = '< 1000 ms'): void {
  console.log(`find ${label.padEnd(8)} ${ms.toFixed(0).padStart(6)} ms wall${cpuMs === null ? '                ' : `, ${cpuMs.toFixed(0).padStart(6)} ms CPU`} (target ${target})`);
}

/** Runs fn, printing its wall and CPU time. */
async function timed(label: string, fn: () => Promise<unknown>, target?: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  line(label, ms, (cpu.user + cpu.system) / 1000, target);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-bench-find-'));
  const pgServer = await startPostgres();
  try {
    await lookups('SQLite file', join(dir, 'find.db'));
    await lookups('PostgreSQL', await pgServer.database('find'));
    console.log(`(load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
  } finally {
    await pgServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lookups above, on a new registry db of 100,000 tokens. */
async function lookups(label: string, db: string): Promise<void> {
  console.log(`\n-- find over ${TOKENS.toLocaleString('en-US')} tokens (${label}) --`);
  const env = { HWTOTP_MASTER_KEY: KEY };
  const open = (): Promise<Verifier> => openVerifier({ db, env });
  // Distinct seeds: the index in the first four bytes, a pattern after.
  const secret = (i: number) => new Uint8Array(20).map((_, j) => (j < 4 ? (i >>> (8 * j)) & 255 : (i * 131 + j * 7) & 255));
  const loader = await open();
  for (let from = 0; from < TOKENS; from += 10_000) {
    await loader.importTokens(Array.from({ length: 10_000 }, (_, k) => ({ serial: `FIND-${String(from + k).padStart(6, '0')}`, secret: secret(from + k) })));
  }
  await loader.importTokens([{ serial: 'FIND-DELETED', secret: secret(TOKENS) }]);
  await loader.close();
  const last = `FIND-${String(TOKENS - 1).padStart(6, '0')}`;
  const gen = hotpGenerator('SHA1', secret(TOKENS - 1), 6);
  const codes = (): [string, string] => {
    const step = Math.floor(Date.now() / 30_000);
    return [gen.at(step), gen.at(step + 1)].map((c) => String(c).padStart(6, '0')) as [string, string];
  };
  const lookup = async (v: Verifier) => {
    const found = await v.find(...codes());
    if (found.serial !== last) throw new Error(`find named ${found.serial}`);
  };

  const v = await open();
  await timed('cold', () => lookup(v));
  await timed('again', () => lookup(v));
  await v.close();

  const store = await openStore(db);
  await store.deleteToken('FIND-DELETED', {}, []);
  await store.close();
  const w = await open();
  await timed('rebuild', () => lookup(w));
  await timed('miss', () => w.find('000000', '000000').then(() => { throw new Error('000000 twice matched'); }, (e: Error) => {
    if (e.name !== 'NoSuchEntity') throw e;
  }), 'none: a few seconds');
  await w.close();

  const [c1, c2] = codes();
  const t = performance.now();
  const out = execFileSync(process.execPath, [CLI, 'find', '--db', db, '--code', c1, '--code2', c2], { encoding: 'utf8', env: { ...process.env, ...env } });
  const ms = performance.now() - t;
  if (!out.startsWith(last)) throw new Error(`hwtotp find printed ${out}`);
  line('cli', ms, null);
}
