/**
 * Audit retention on a real SQLite file: rows are kept by count and by age, pruned as the verifier
 * runs (first operation, then every PRUNE_EVERY_OPS operations or PRUNE_EVERY_MS), set by option or
 * HWTOTP_ env like the other settings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { KEY_HEX, rig, type Rig } from './helpers.ts';
import { PRUNE_EVERY_MS, PRUNE_EVERY_OPS } from '../../verifier/src/audit-retention.ts';
import { openVerifier, resolveSettings } from '@hwtotp/verifier';

let r: Rig | undefined;
afterEach(async () => { await r?.close(); r = undefined; });

const auditCount = (db: string) => {
  const d = new Database(db, { readonly: true });
  try { return (d.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n; } finally { d.close(); }
};
const refusedCheck = (user: string) => r!.v.check(user, '123456').catch((e: Error) => e.name);

describe('audit retention', () => {
  it('keeps at most auditMaxRows (plus one pruning interval), the newest', async () => {
    r = await rig({ masterKey: KEY_HEX, auditMaxRows: 100 });
    for (let i = 0; i < 3 * PRUNE_EVERY_OPS; i++) expect(await refusedCheck(`flood${i}`)).toBe('NoSuchEntity');
    const n = auditCount(r.db);
    expect(n).toBeLessThanOrEqual(100 + PRUNE_EVERY_OPS);
    expect(n).toBeGreaterThanOrEqual(100);
    const newest = await r.v.audit({ limit: 1 });
    expect(newest[0]!.user).toBe(`flood${3 * PRUNE_EVERY_OPS - 1}`);
  });

  it('drops rows older than auditMaxAgeDays, at the first operation after PRUNE_EVERY_MS', async () => {
    r = await rig({ masterKey: KEY_HEX, auditMaxAgeDays: 1 });
    for (let i = 0; i < 5; i++) await refusedCheck(`old${i}`);
    r.clock.ms += 86_400_000 + PRUNE_EVERY_MS;
    await refusedCheck('young');
    const rows = await r.v.audit({ limit: 100 });
    expect(rows.map((row) => row.user)).toEqual(['young']);
  });

  it('a one-shot process prunes on its first operation', async () => {
    r = await rig({ masterKey: KEY_HEX });
    for (let i = 0; i < 150; i++) await refusedCheck(`u${i}`);
    await r.v.close();
    const again = await openVerifier({ db: r.db, masterKey: KEY_HEX, now: () => r!.clock.ms, env: {}, auditMaxRows: 100 });
    await again.check('once', '123456').catch(() => undefined);
    await again.close();
    expect(auditCount(r.db)).toBe(100);
    r.v = await openVerifier({ db: r.db, masterKey: KEY_HEX, env: {} });
  });

  it('is set by HWTOTP_AUDIT_MAX_ROWS and HWTOTP_AUDIT_MAX_AGE_DAYS, and refuses nonsense naming the variable', () => {
    const s = resolveSettings({ db: 'x', env: { HWTOTP_AUDIT_MAX_ROWS: '5000', HWTOTP_AUDIT_MAX_AGE_DAYS: '30' } });
    expect([s.auditMaxRows, s.auditMaxAgeDays]).toEqual([5000, 30]);
    expect(resolveSettings({ db: 'x', env: {} })).toMatchObject({ auditMaxRows: 200_000, auditMaxAgeDays: 365 });
    expect(() => resolveSettings({ db: 'x', env: { HWTOTP_AUDIT_MAX_ROWS: '10' } })).toThrow(/HWTOTP_AUDIT_MAX_ROWS must be an integer from 100/);
    expect(() => resolveSettings({ db: 'x', env: { HWTOTP_AUDIT_MAX_AGE_DAYS: 'forever' } })).toThrow(/HWTOTP_AUDIT_MAX_AGE_DAYS/);
  });

  it('never prunes on a clock outside 2020-2100', async () => {
    r = await rig({ masterKey: KEY_HEX, auditMaxAgeDays: 1 });
    for (let i = 0; i < 5; i++) await refusedCheck(`kept${i}`);
    await r.v.close();
    const future = await openVerifier({ db: r.db, masterKey: KEY_HEX, now: () => Date.UTC(2150, 0, 1), env: {}, auditMaxAgeDays: 1 });
    await future.check('x', '123456').catch(() => undefined);
    await future.close();
    expect(auditCount(r.db)).toBe(5);
    r.v = await openVerifier({ db: r.db, masterKey: KEY_HEX, env: {} });
  });
});
