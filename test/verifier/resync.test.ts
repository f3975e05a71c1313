/** resync: the wide window, drift and last step, lock clearing, replay and refusals. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, codeAt, enrolled, refusal, rig, token, wrongCode, type Rig } from './helpers.ts';

const A = token('HWT-RESYNC-A1');
describe.each(STORES)('on %s', (store) => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig({}, store);
    await enrolled(r, A);
    r.clock.ms += 3_600_000;
  });
  afterEach(async () => r.close());

  describe('resync', () => {
    it('finds a token 6 hours behind, sets drift and last step, and sign-in works again', async () => {
      r.clock.ms += 86_400_000; // a day later (a slow token still moves forward, just less)
      const behind = -720; // 6 h at 30 s
      expect((await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, behind)))).name).toBe('InvalidAuthenticationCode');
      const c1 = codeAt(A, r.clock.ms, behind - 1), c2 = codeAt(A, r.clock.ms, behind);
      expect(await r.v.resync('alice', A.serial, c1, c2)).toEqual({ serial: A.serial, driftSteps: behind });
      expect(await r.v.token(A.serial)).toMatchObject({ driftSteps: behind, lastStep: r.clock.ms / 30000 + behind, failures: 0 });
      // Neither code can be replayed, by check or by another resync.
      expect((await refusal(() => r.v.check('alice', c2))).reason).toBe('replay');
      expect((await refusal(() => r.v.resync('alice', A.serial, c1, c2))).reason).toBe('replay');
      r.clock.ms += 30_000;
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, behind))).toEqual({ ok: true, serial: A.serial });
      const [row] = await r.v.audit({ serial: A.serial, action: 'resync' });
      expect(row).toMatchObject({ outcome: 'refused', reason: 'replay' });
      const ok = (await r.v.audit({ serial: A.serial, action: 'resync' })).find((x) => x.outcome === 'ok')!;
      expect(ok.detail).toEqual({ driftSteps: behind, previousDriftSteps: 0 });
    });

    it('searches ±1 day by default: 23 h ahead is found, 25 h is not', async () => {
      await r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, 2759), codeAt(A, r.clock.ms, 2760));
      expect((await r.v.token(A.serial)).driftSteps).toBe(2760);
      const e = await refusal(() => r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, 2999), codeAt(A, r.clock.ms, 3000)));
      expect([e.name, e.reason]).toEqual(['InvalidAuthenticationCode', 'wrong-code']);
      expect(e.message).toMatch(/±86400 s/);
    });

    it('the window is configurable', async () => {
      const wide = await rig({ resyncWindowSeconds: 3 * 86400 }, store);
      try {
        await wide.v.importTokens([A]);
        await wide.v.enable('alice', 'k', A.serial, codeAt(A, wide.clock.ms, -1), codeAt(A, wide.clock.ms, 0));
        wide.clock.ms += 4 * 86_400_000;
        expect(await wide.v.resync('alice', A.serial, codeAt(A, wide.clock.ms, -8000), codeAt(A, wide.clock.ms, -7999)))
          .toEqual({ serial: A.serial, driftSteps: -7999 });
      } finally { await wide.close(); }
    });

    it('codes from before the last accepted step (a token clock that jumped back) are refused, saying so', async () => {
      const back = -240; // the token lost 2 h after its last use 1 h ago
      const e = await refusal(() => r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, back), codeAt(A, r.clock.ms, back + 1)));
      expect([e.name, e.reason]).toEqual(['InvalidAuthenticationCode', 'replay']);
      expect(e.message).toMatch(/at or before its last accepted code.*settime/);
      expect((await r.v.token(A.serial)).lastStep).toBe((r.clock.ms - 3_600_000) / 30000);
    });

    it('works on a locked token and clears the lock and the failures', async () => {
      for (let i = 0; i < 5; i++) await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
      expect((await r.v.token(A.serial)).lockedUntil).not.toBeNull();
      await r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, 1));
      expect(await r.v.token(A.serial)).toMatchObject({ lockedUntil: null, failures: 0, lockLevel: 0, driftSteps: 1 });
      r.clock.ms += 30_000;
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, 1))).toMatchObject({ ok: true });
    });

    it('refuses codes that are not consecutive without counting a failure; wrong user or serial is NoSuchEntity', async () => {
      const e = await refusal(() => r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, 2)));
      expect([e.name, e.httpStatus]).toEqual(['InvalidAuthenticationCode', 403]);
      expect((await r.v.token(A.serial)).failures).toBe(0);
      expect((await refusal(() => r.v.resync('bob', A.serial, '123456', '234567'))).name).toBe('NoSuchEntity');
      expect((await refusal(() => r.v.resync('alice', 'HWT-UNKNOWN-9', '123456', '234567'))).name).toBe('NoSuchEntity');
      expect((await refusal(() => r.v.resync('alice', A.serial, '123456', '23456'))).name).toBe('ValidationError');
      await r.v.disable(A.serial);
      expect((await refusal(() => r.v.resync('alice', A.serial, codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, 1)))).name).toBe('TokenDisabled');
    });
  });
});
