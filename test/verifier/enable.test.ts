/** enable: two consecutive codes, the window, drift, the late-code policy, limits and refusals. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, codeAt, refusal, rig, token, wrongCode, type Rig } from './helpers.ts';

const A = token('HWT-ENABLE-A');
describe.each(STORES)('on %s', (store) => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig({}, store);
    await r.v.importTokens([A]);
  });
  afterEach(async () => r.close());

  describe('enable', () => {
    it('assigns the token, measures drift 0 from codes of the previous and current step, and sets the last step', async () => {
      const res = await r.v.enable('alice', 'desk key', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
      expect(res).toEqual({ serial: A.serial, enableDate: new Date(r.clock.ms).toISOString() });
      const info = await r.v.token(A.serial);
      expect(info).toMatchObject({ state: 'assigned', user: 'alice', deviceName: 'desk key', driftSteps: 0, candidateDriftSteps: null, lastStep: r.clock.ms / 30000 });
      expect(JSON.stringify(info)).not.toMatch(/secret/i);
      const [row] = await r.v.audit({ serial: A.serial, action: 'enable' });
      expect(row).toMatchObject({ outcome: 'ok', user: 'alice', detail: { driftSteps: 0 } });
    });

    it('measures a small drift (token 2 steps ahead) and trusts it', async () => {
      await r.v.enable('alice', 'k', A.serial, codeAt(A, r.clock.ms, 1), codeAt(A, r.clock.ms, 2));
      expect(await r.v.token(A.serial)).toMatchObject({ driftSteps: 2, candidateDriftSteps: null });
    });

    it('accepts codes anywhere within ±10 steps (±5 min) and refuses them just outside', async () => {
      await r.v.enable('alice', 'k', A.serial, codeAt(A, r.clock.ms, 9), codeAt(A, r.clock.ms, 10));
      expect((await r.v.token(A.serial)).driftSteps).toBe(10);
      const B = token('HWT-ENABLE-B');
      await r.v.importTokens([B]);
      const e = await refusal(() => r.v.enable('bob', 'k', B.serial, codeAt(B, r.clock.ms, 10), codeAt(B, r.clock.ms, 11)));
      expect(e.name).toBe('ClockSkew'); // found, but beyond the window: a clock that is far off
      expect(e.message).toMatch(/5 min 30 s ahead of/);
      expect(e.httpStatus).toBe(400);
    });

    it('the enrollment window is configurable', async () => {
      const narrow = await rig({ enableWindowSteps: 2 }, store);
      try {
        await narrow.v.importTokens([A]);
        expect((await refusal(() => narrow.v.enable('a', 'k', A.serial, codeAt(A, narrow.clock.ms, 2), codeAt(A, narrow.clock.ms, 3)))).name).toBe('ClockSkew');
        await narrow.v.enable('a', 'k', A.serial, codeAt(A, narrow.clock.ms, 1), codeAt(A, narrow.clock.ms, 2));
      } finally { await narrow.close(); }
    });

    it('late codes keep both the measured drift and zero, and the first sign-in settles it at zero', async () => {
      // Codes shown 4 minutes ago, submitted now (the user dawdled): measured drift -7.
      await r.v.enable('alice', 'k', A.serial, codeAt(A, r.clock.ms, -8), codeAt(A, r.clock.ms, -7));
      expect(await r.v.token(A.serial)).toMatchObject({ driftSteps: -7, candidateDriftSteps: 0 });
      const [row] = await r.v.audit({ serial: A.serial, action: 'enable' });
      expect(row!.reason).toBe('late-codes');
      r.clock.ms += 60_000;
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, 0))).toEqual({ ok: true, serial: A.serial });
      expect(await r.v.token(A.serial)).toMatchObject({ driftSteps: 0, candidateDriftSteps: null });
      // Settled: a code at the old measured drift is now refused.
      r.clock.ms += 60_000;
      expect((await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, -7)))).name).toBe('InvalidAuthenticationCode');
    });

    it('late codes from a token that really is behind: the first sign-in settles at the measured drift', async () => {
      await r.v.enable('alice', 'k', A.serial, codeAt(A, r.clock.ms, -8), codeAt(A, r.clock.ms, -7));
      r.clock.ms += 90_000;
      await r.v.check('alice', codeAt(A, r.clock.ms, -7));
      expect(await r.v.token(A.serial)).toMatchObject({ driftSteps: -7, candidateDriftSteps: null });
      r.clock.ms += 30_000;
      // Seven steps from the settled drift: inside the auto-resync band, so it asks for the next code;
      // that pending question does not block the token's real code.
      expect((await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, 0)))).name).toBe('NextCodeRequired');
      await r.v.check('alice', codeAt(A, r.clock.ms, -7));
    });

    it('refuses codes that are not consecutive, or swapped, and writes only an audit row', async () => {
      const before = await r.v.token(A.serial);
      for (const [c1, c2] of [[codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 1)], [codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, -1)], [wrongCode(A, r.clock.ms), codeAt(A, r.clock.ms, 0)]]) {
        const e = await refusal(() => r.v.enable('alice', 'k', A.serial, c1!, c2!));
        expect(e.name).toBe('InvalidAuthenticationCode');
        expect(e.httpStatus).toBe(403);
        expect(e.message).not.toContain(c1!);
        expect(e.message).not.toContain(c2!);
      }
      expect(await r.v.token(A.serial)).toEqual(before);
      const audit = await r.v.audit({ serial: A.serial, action: 'enable' });
      expect(audit.map((a) => [a.outcome, a.reason])).toEqual([['refused', 'wrong-code'], ['refused', 'wrong-code'], ['refused', 'wrong-code']]);
    });

    it('unknown serial → NoSuchEntity; pending → NoSuchEntity; assigned → EntityAlreadyExists; disabled → TokenDisabled', async () => {
      const c1 = codeAt(A, r.clock.ms, -1), c2 = codeAt(A, r.clock.ms, 0);
      let e = await refusal(() => r.v.enable('alice', 'k', 'HWT-NOPE-0001', c1, c2));
      expect([e.name, e.httpStatus]).toEqual(['NoSuchEntity', 404]);
      const P = token('HWT-PENDING-1');
      await r.v.addPending(P);
      e = await refusal(() => r.v.enable('alice', 'k', P.serial, codeAt(P, r.clock.ms, -1), codeAt(P, r.clock.ms, 0)));
      expect(e.name).toBe('NoSuchEntity');
      expect(e.message).toMatch(/being provisioned/);
      await r.v.enable('alice', 'k', A.serial, c1, c2);
      e = await refusal(() => r.v.enable('bob', 'k', A.serial, codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, 1)));
      expect([e.name, e.httpStatus]).toEqual(['EntityAlreadyExists', 409]);
      const D = token('HWT-DISABLED1');
      await r.v.importTokens([D]);
      await r.v.disable(D.serial);
      e = await refusal(() => r.v.enable('bob', 'k', D.serial, codeAt(D, r.clock.ms, -1), codeAt(D, r.clock.ms, 0)));
      expect(e.name).toBe('TokenDisabled');
    });

    it('a user may hold 8 tokens; the 9th is LimitExceeded', async () => {
      const many = Array.from({ length: 9 }, (_, i) => token(`HWT-LIMIT-00${i}`));
      await r.v.importTokens(many);
      for (const t of many.slice(0, 8)) await r.v.enable('carol', t.serial, t.serial, codeAt(t, r.clock.ms, -1), codeAt(t, r.clock.ms, 0));
      const t9 = many[8]!;
      const e = await refusal(() => r.v.enable('carol', 'ninth', t9.serial, codeAt(t9, r.clock.ms, -1), codeAt(t9, r.clock.ms, 0)));
      expect([e.name, e.httpStatus]).toEqual(['LimitExceeded', 409]);
      expect(e.message).toMatch(/8 MFA tokens/);
      expect((await r.v.token(t9.serial)).state).toBe('unassigned');
    });

    it('two enables racing for the last free slot: one wins, the other is LimitExceeded (guard in the write)', async () => {
      const many = Array.from({ length: 9 }, (_, i) => token(`HWT-RACE-LIM${i}`));
      await r.v.importTokens(many);
      for (const t of many.slice(0, 7)) await r.v.enable('dave', t.serial, t.serial, codeAt(t, r.clock.ms, -1), codeAt(t, r.clock.ms, 0));
      const [x, y] = [many[7]!, many[8]!];
      const results = await Promise.allSettled([x, y].map((t) => r.v.enable('dave', 'k', t.serial, codeAt(t, r.clock.ms, -1), codeAt(t, r.clock.ms, 0))));
      expect(results.map((p) => p.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((p) => p.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.name).toBe('LimitExceeded');
      expect((await r.v.list('dave')).length).toBe(8);
    });

    it('validates its input, each with its own message', async () => {
      const ok = codeAt(A, r.clock.ms, 0);
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => r.v.enable('alice', 'k', A.serial, '12345', ok), /code1 must be 6 to 8 digits, got 5/],
        [() => r.v.enable('alice', 'k', A.serial, ok, '12a456'), /code2 must contain only the digits/],
        [() => r.v.enable('alice', 'k', A.serial, ok, '1234567'), /code2 must be 6 digits for this token, got 7/],
        [() => r.v.enable('', 'k', A.serial, ok, ok), /user must be 1 to 128 characters/],
        [() => r.v.enable('alice', '', A.serial, ok, ok), /deviceName must be 1 to 128/],
        [() => r.v.enable('alice', 'k', 'short', ok, ok), /serial must be 9 to 64 characters/],
        [() => r.v.enable('al\nice', 'k', A.serial, ok, ok), /control characters/],
      ];
      for (const [fn, msg] of cases) {
        const e = await refusal(fn);
        expect(e.name).toBe('ValidationError');
        expect(e.httpStatus).toBe(400);
        expect(e.message).toMatch(msg);
      }
    });

    it('refuses to work with a server clock before 2020 (ClockSkew)', async () => {
      r.clock.ms = Date.UTC(2019, 5, 1);
      const e = await refusal(() => r.v.enable('alice', 'k', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0)));
      expect(e.name).toBe('ClockSkew');
      expect(e.message).toMatch(/server clock reads 2019-06-01/);
    });

    it('codes already used before a deactivate cannot enable the token again', async () => {
      const c1 = codeAt(A, r.clock.ms, -1), c2 = codeAt(A, r.clock.ms, 0);
      await r.v.enable('alice', 'k', A.serial, c1, c2);
      await r.v.deactivate('alice', A.serial);
      const e = await refusal(() => r.v.enable('mallory', 'k', A.serial, c1, c2));
      expect(e.name).toBe('InvalidAuthenticationCode');
      r.clock.ms += 60_000;
      await r.v.enable('bob', 'k', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
    });
  });
});
