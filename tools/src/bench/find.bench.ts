/**
 * `npm run bench -- find`: `find` (which token shows these two codes now) over a registry of
 * 100,000 tokens on a SQLite file; target under 1 s. Measured twice: cold (the first lookup of a
 * process, which unseals every seed and builds its HMAC midstates, as `hwtotp find` on the command
 * line does) and warm (the generators cached, as in `hwtotp serve`). The token sought is the last
 * one, so every token is searched before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotpGenerator, openVerifier } from '@hwtotp/verifier';

const TOKENS = 100_000;

export async function run(): Promise<void> {
  console.log(`\n-- find over ${TOKENS.toLocaleString('en-US')} tokens (SQLite file) --`);
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-bench-find-'));
  const clock = { ms: Date.UTC(2027, 0, 15, 8, 0, 10) };
  const v = await openVerifier({ db: join(dir, 'find.db'), env: { HWTOTP_MASTER_KEY: 'cd'.repeat(32) }, now: () => clock.ms });
  try {
    // Distinct seeds: the index in the first four bytes, a pattern after.
    const secret = (i: number) => new Uint8Array(20).map((_, j) => (j < 4 ? (i >>> (8 * j)) & 255 : (i * 131 + j * 7) & 255));
    for (let from = 0; from < TOKENS; from += 10_000) {
      await v.importTokens(Array.from({ length: 10_000 }, (_, k) => ({ serial: `FIND-${String(from + k).padStart(6, '0')}`, secret: secret(from + k) })));
    }
    const last = TOKENS - 1;
    const gen = hotpGenerator('SHA1', secret(last), 6);
    const step = Math.floor(clock.ms / 30_000);
    const c1 = String(gen.at(step)).padStart(6, '0'), c2 = String(gen.at(step + 1)).padStart(6, '0');
    for (const label of ['cold', 'warm', 'warm']) {
      const cpu0 = process.cpuUsage();
      const t = performance.now();
      const found = await v.find(c1, c2);
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      if (found.serial !== `FIND-${String(last).padStart(6, '0')}`) throw new Error(`find named ${found.serial}`);
      console.log(`find ${label.padEnd(5)} ${ms.toFixed(0).padStart(6)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(6)} ms CPU (target < 1000 ms)`);
    }
    console.log(`(load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
  } finally {
    await v.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
