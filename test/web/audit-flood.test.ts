/**
 * A flood of refused public checks for unknown users from one address, over real HTTP, leaves the
 * registry bounded: the audit log stays at its row limit and the file stops growing (SQLite reuses
 * the pages pruning frees). The sizes are printed for the record.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi, type Api } from './helpers.ts';
import { PRUNE_EVERY_OPS } from '../../verifier/src/audit-retention.ts';

const MAX_ROWS = 100;
let api: Api;
beforeAll(async () => {
  api = await startApi(0, { publicCheck: true, checkLimits: { perAddress: { capacity: 1e9, perSecond: 1e9 } } }, { auditMaxRows: MAX_ROWS });
});
afterAll(async () => api.close());

let sent = 0;
async function flood(n: number): Promise<void> {
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    const replies = await Promise.all(Array.from({ length: batch }, () =>
      api.call('POST', '/api/mfa/check', { user: `nobody-${sent++}`, code: '123456' }, { auth: null })));
    for (const r of replies) expect(r.status).toBe(403);
  }
  api.bodies.length = 0;
}

/** Bytes on disk after folding the WAL into the file, and the audit row count. */
function measure(): { bytes: number; rows: number } {
  const db = new Database(api.dbPath);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
    return { bytes: statSync(api.dbPath).size, rows };
  } finally {
    db.close();
  }
}

it('stays bounded: row count at the limit, file size flat from 1,000 to 1,500 refused checks', async () => {
  // Past one full pruning cycle (the limit plus PRUNE_EVERY_OPS), then one more cycle: both at its peak.
  await flood(1000);
  const first = measure();
  await flood(PRUNE_EVERY_OPS);
  const second = measure();
  console.log(`audit flood (auditMaxRows ${MAX_ROWS}): after 1000 refused checks ${first.bytes} bytes, ${first.rows} rows; after 1500 ${second.bytes} bytes, ${second.rows} rows`);
  expect(second.rows).toBeLessThanOrEqual(MAX_ROWS + PRUNE_EVERY_OPS);
  expect(second.bytes).toBeLessThanOrEqual(first.bytes * 1.1);
  // The server is still answering.
  expect((await api.call('GET', '/api/config', undefined, { auth: null })).status).toBe(200);
}, 60_000);
