/**
 * The store-level guards under concurrent writers, on both stores: PostgreSQL spreads the calls over
 * its pool's connections, so these are real concurrent transactions there. Twenty tokens race for a
 * user limited to three, and twenty acceptances race for one step.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PgStore, SqliteStore, type TokenRow, type TokenStore } from '@hwtotp/verifier';
import { STORES, T0_MS, tempDir } from './helpers.ts';
import { freshSchema } from '../helpers/postgres.ts';

function row(serial: string, extra: Partial<TokenRow> = {}): TokenRow {
  return {
    serial, sealedSecret: new Uint8Array(44), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, state: 'unassigned',
    user: null, deviceName: null, enableDate: null, driftSteps: 0, candidateDriftSteps: null, lastStep: -1, failures: 0,
    lockedUntil: null, lockLevel: 0, origin: 'imported', kcv: null, manufacturer: null, model: null,
    createdAt: T0_MS, updatedAt: T0_MS, lastUsed: null, version: 1, clockModel: null, pendingStep: null, pendingAt: null, ...extra,
  };
}

describe.each(STORES)('on %s', (kind) => {
  let store: TokenStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    const { dir, cleanup } = tempDir();
    if (kind === 'postgres') {
      const s = await freshSchema();
      store = await PgStore.open(s.url, { poolSize: 10 });
      close = async () => { await store.close(); await s.drop(); cleanup(); };
    } else {
      store = new SqliteStore(join(dir, 'g.db'));
      close = async () => { await store.close(); cleanup(); };
    }
  });
  afterEach(async () => close());

  it('userBelow: of 20 concurrent assignments to a user limited to 3, exactly 3 apply', async () => {
    const serials = Array.from({ length: 20 }, (_, i) => `HWT-GUARD-${String(i).padStart(3, '0')}`);
    await store.insertTokens(serials.map((s) => row(s)), []);
    const results = await Promise.all(serials.map((s) => store.updateToken(s, { state: 'assigned', user: 'eve', enableDate: T0_MS },
      { states: ['unassigned'], userBelow: { user: 'eve', max: 3 } },
      [{ at: T0_MS, action: 'enable', serial: s, user: 'eve', outcome: 'ok' }])));
    expect(results.filter(Boolean).length).toBe(3);
    expect((await store.tokensOfUser('eve')).length).toBe(3);
    expect((await store.audit({ action: 'enable' })).length).toBe(3);
  });

  it('lastStepBelow: of 20 concurrent acceptances of one step, exactly 1 applies, with its one audit row', async () => {
    await store.insertTokens([row('HWT-GUARD-STEP', { state: 'assigned', user: 'eve', lastStep: 10 })], []);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.updateToken('HWT-GUARD-STEP', { lastStep: 11 },
      { states: ['assigned'], user: 'eve', lastStepBelow: 11 }, [{ at: T0_MS, action: 'check', serial: 'HWT-GUARD-STEP', user: 'eve', outcome: 'accepted' }])));
    expect(results.filter(Boolean).length).toBe(1);
    expect(await store.getToken('HWT-GUARD-STEP')).toMatchObject({ lastStep: 11, version: 2 });
    expect((await store.audit({ action: 'check' })).length).toBe(1);
  });
});
