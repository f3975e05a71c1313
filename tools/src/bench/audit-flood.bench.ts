/**
 * `npm run bench -- audit-flood`: how big the registry gets under a flood of refused sign-in checks
 * for unknown users (what a key-less caller can cause with `serve --public-check`), with audit
 * retention on. Each check writes one audit row with a 128-character user name (the longest the
 * API accepts, so the worst case); the file is measured after folding the WAL back into it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAX_ROWS = 20_000;
const CHECKPOINTS = [20_000, 40_000, 80_000, 160_000];

export async function run(): Promise<void> {
  const { openVerifier } = await import('@hwtotp/verifier');
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-bench-audit-'));
  const db = join(dir, 'flood.db');
  try {
    const v = await openVerifier({ db, masterKey: 'ab'.repeat(32), env: {}, auditMaxRows: MAX_ROWS });
    const pad = 'x'.repeat(116);
    let done = 0;
    const t = performance.now();
    for (const target of CHECKPOINTS) {
      for (; done < target; done++) await v.check(`${pad}${String(done).padStart(12, '0')}`, '123456').catch(() => undefined);
      const raw = new Database(db);
      raw.pragma('wal_checkpoint(TRUNCATE)');
      const rows = (raw.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
      raw.close();
      console.log(`${String(done).padStart(7)} refused checks: ${statSync(db).size.toLocaleString('en')} bytes, ${rows} audit rows (auditMaxRows ${MAX_ROWS})`);
    }
    console.log(`${Math.round(done / ((performance.now() - t) / 1000))} refused checks/s in-process`);
    await v.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
