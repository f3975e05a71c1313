/**
 * `npm run bench -- find`: `find` (which token shows these two codes now) over a registry of
 * 100,000 tokens on a SQLite file; target under 1 s.
 *
 * Measured in order:
 * - `first`: the first lookup after the import, which unseals every seed and stores find's index
 *   (find-index.ts);
 * - `cold` and `again`: lookups by a freshly opened verifier, as every `hwtotp find` on the command
 *   line is, reading the stored index;
 * - `cli`: the whole `hwtotp find` process, Node's start and module loading included.
 * The token sought is the last one, so every token is searched before it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hotpGenerator, openVerifier, type Verifier } from '@hwtotp/verifier';

const TOKENS = 100_000;
const KEY = 'cd'.repeat(32);
const CLI = fileURLToPath(new URL('../../bin/hwtotp.js', import.meta.url));

function line(label: string, ms: number, cpuMs: number | null): void {
  console.log(`find ${label.padEnd(6)} ${ms.toFixed(0).padStart(6)} ms wall${cpuMs === null ? '' : `, ${cpuMs.toFixed(0).padStart(6)} ms CPU`} (target < 1000 ms)`);
}

export async function run(): Promise<void> {
  console.log(`\n-- find over ${TOKENS.toLocaleString('en-US')} tokens (SQLite file) --`);
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-bench-find-'));
  const db = join(dir, 'find.db');
  const open = (ms: number): Promise<Verifier> => openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY }, now: () => ms });
  try {
    // Distinct seeds: the index in the first four bytes, a pattern after.
    const secret = (i: number) => new Uint8Array(20).map((_, j) => (j < 4 ? (i >>> (8 * j)) & 255 : (i * 131 + j * 7) & 255));
    const loader = await open(Date.now());
    for (let from = 0; from < TOKENS; from += 10_000) {
      await loader.importTokens(Array.from({ length: 10_000 }, (_, k) => ({ serial: `FIND-${String(from + k).padStart(6, '0')}`, secret: secret(from + k) })));
    }
    await loader.close();
    const last = `FIND-${String(TOKENS - 1).padStart(6, '0')}`;
    const gen = hotpGenerator('SHA1', secret(TOKENS - 1), 6);
    const codes = (ms: number) => [gen.at(Math.floor(ms / 30_000)), gen.at(Math.floor(ms / 30_000) + 1)].map((c) => String(c).padStart(6, '0')) as [string, string];
    for (const [label, fresh] of [['first', true], ['cold', true], ['again', false]] as const) {
      const nowMs = Date.now();
      const v = await open(nowMs);
      try {
        if (!fresh) await v.find(...codes(nowMs));
        const cpu0 = process.cpuUsage();
        const t = performance.now();
        const found = await v.find(...codes(nowMs));
        const ms = performance.now() - t;
        const cpu = process.cpuUsage(cpu0);
        if (found.serial !== last) throw new Error(`find named ${found.serial}`);
        line(label, ms, (cpu.user + cpu.system) / 1000);
      } finally {
        await v.close();
      }
    }
    const keyFile = join(dir, 'master.key');
    writeFileSync(keyFile, KEY + '\n', { mode: 0o600 });
    const t = performance.now();
    const out = execFileSync(process.execPath, [CLI, 'find', '--db', db, '--key-file', keyFile, '--code', ...interleave(codes(Date.now()))], { encoding: 'utf8' });
    const ms = performance.now() - t;
    if (!out.startsWith(last)) throw new Error(`hwtotp find printed ${out}`);
    line('cli', ms, null);
    console.log(`(load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** [c1, c2] as the CLI's arguments after --code: C1 --code2 C2. */
function interleave([c1, c2]: [string, string]): string[] {
  return [c1, '--code2', c2];
}
