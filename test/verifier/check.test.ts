/** check: the ±1 window around now + drift, replay, drift tracking, lockout growth, several tokens. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, codeAt, enrolled, refusal, rig, token, wrongCode, type Rig } from './helpers.ts';

const A = token('HWT-CHECK-AAA');
describe.each(STORES)('on %s', (store) => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig({}, store);
    await enrolled(r, A);
    r.clock.ms += 5 * 30_000;
  });
  afterEach(async () => r.close());

  describe('check', () => {
    it('accepts the current code, and the codes one step either side, and returns the serial', async () => {
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, -1))).toEqual({ ok: true, serial: A.serial });
      r.clock.ms += 30_000;
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, 0))).toEqual({ ok: true, serial: A.serial });
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, 1))).toEqual({ ok: true, serial: A.serial });
      const info = await r.v.token(A.serial);
      expect(info.lastUsed).toBe(new Date(r.clock.ms).toISOString());
      expect(info.driftSteps).toBe(1);
    });

    it('refuses codes two steps away: inside the auto-resync band, it asks for the next code', async () => {
      for (const o of [-2, 2]) {
        const e = await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, o)));
        expect([e.name, e.reason]).toEqual(['NextCodeRequired', 'next-code-required']);
      }
      // At or before the last accepted step (enrollment, 5 steps ago) it is an old code: a plain wrong code.
      const old = await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, -6)));
      expect([old.name, old.reason]).toEqual(['InvalidAuthenticationCode', 'wrong-code']);
      expect((await r.v.token(A.serial)).failures).toBe(3);
    });

    it('never accepts a code twice, nor an older step after a newer one, and a replay is not a failure', async () => {
      const c = codeAt(A, r.clock.ms, 0);
      await r.v.check('alice', c);
      const e = await refusal(() => r.v.check('alice', c));
      expect(e.name).toBe('InvalidAuthenticationCode');
      expect(e.message).toMatch(/already used/);
      expect((await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, -1)))).reason).toBe('replay');
      expect((await r.v.token(A.serial)).failures).toBe(0);
      const audit = await r.v.audit({ serial: A.serial, action: 'check' });
      expect(audit.slice(0, 3).map((a) => [a.outcome, a.reason])).toEqual([['refused', 'replay'], ['refused', 'replay'], ['accepted', null]]);
    });

    it('follows drift: a token that gains a step every 5 days (69 ppm) stays accepted', async () => {
      for (let d = 1; d <= 6; d++) {
        r.clock.ms += 5 * 86_400_000;
        expect(await r.v.check('alice', codeAt(A, r.clock.ms, d))).toMatchObject({ ok: true });
        expect((await r.v.token(A.serial)).driftSteps).toBe(d);
      }
    });

    it('locks after 5 consecutive failures for 1 min, doubling to 2, 4 ... capped at 1 h, and refuses even the right code meanwhile', async () => {
      const expected = [60, 120, 240, 480, 960, 1920, 3600, 3600];
      for (const seconds of expected) {
        for (let i = 1; i <= 5; i++) {
          const e = await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
          if (i < 5) {
            expect(e.name).toBe('InvalidAuthenticationCode');
            expect((await r.v.token(A.serial)).failures).toBe(i);
          } else {
            expect(e.name).toBe('EntityTemporarilyUnmodifiable');
            expect(e.retryAfter).toBe(seconds);
          }
        }
        const info = await r.v.token(A.serial);
        expect(info.lockedUntil).toBe(new Date(r.clock.ms + seconds * 1000).toISOString());
        // Locked: the right code is refused, saying until when; nothing about the token changes.
        const right = codeAt(A, r.clock.ms, 0);
        const e = await refusal(() => r.v.check('alice', right));
        expect([e.name, e.httpStatus, e.lockedUntil]).toEqual(['EntityTemporarilyUnmodifiable', 423, info.lockedUntil]);
        expect(e.message).toContain(info.lockedUntil!);
        expect(await r.v.token(A.serial)).toEqual(info);
        r.clock.ms += seconds * 1000;
      }
      const locks = await r.v.audit({ serial: A.serial, action: 'lock' });
      expect(locks.map((l) => l.detail!.seconds).reverse()).toEqual(expected);
      // An accepted code resets the count and the lock level.
      await r.v.check('alice', codeAt(A, r.clock.ms, 0));
      expect(await r.v.token(A.serial)).toMatchObject({ failures: 0, lockLevel: 0 });
    });

    it('an accepted code resets the failure count', async () => {
      for (let i = 0; i < 4; i++) await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
      expect((await r.v.token(A.serial)).failures).toBe(4);
      await r.v.check('alice', codeAt(A, r.clock.ms, 0));
      expect((await r.v.token(A.serial)).failures).toBe(0);
    });

    it('tries every token of the user and says which one matched', async () => {
      const B = token('HWT-CHECK-BBB', { digits: 8, algorithm: 'SHA256' });
      await r.v.importTokens([B]);
      await r.v.enable('alice', 'phone', B.serial, codeAt(B, r.clock.ms, -1), codeAt(B, r.clock.ms, 0));
      r.clock.ms += 30_000;
      expect(await r.v.check('alice', codeAt(B, r.clock.ms, 0))).toEqual({ ok: true, serial: B.serial });
      expect(await r.v.check('alice', codeAt(A, r.clock.ms, 0))).toEqual({ ok: true, serial: A.serial });
      // A wrong 6-digit code counts against A only: it cannot be a code of the 8-digit B.
      await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
      expect((await r.v.token(A.serial)).failures).toBe(1);
      expect((await r.v.token(B.serial)).failures).toBe(0);
      await refusal(() => r.v.check('alice', wrongCode(B, r.clock.ms)));
      expect((await r.v.token(B.serial)).failures).toBe(1);
      // With A locked, B still works; a code of the locked A says A is locked.
      for (let i = 0; i < 4; i++) await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
      expect((await r.v.token(A.serial)).lockedUntil).not.toBeNull();
      r.clock.ms += 30_000;
      expect(await r.v.check('alice', codeAt(B, r.clock.ms, 0))).toEqual({ ok: true, serial: B.serial });
      const e = await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, 0)));
      expect([e.name, e.serial]).toEqual(['EntityTemporarilyUnmodifiable', A.serial]);
      // A 7-digit code fits none of her tokens.
      expect((await refusal(() => r.v.check('alice', '1234567'))).message).toMatch(/code must be 6 or 8 digits for user alice's tokens, got 7/);
    });

    it('the right code of a locked token counts no failure against the user\'s other tokens', async () => {
      for (let i = 0; i < 5; i++) await refusal(() => r.v.check('alice', wrongCode(A, r.clock.ms)));
      expect((await r.v.token(A.serial)).lockedUntil).not.toBeNull();
      // A second 6-digit token, enabled after A locked: its count starts at 0.
      const C = token('HWT-CHECK-CCC');
      await r.v.importTokens([C]);
      await r.v.enable('alice', 'spare', C.serial, codeAt(C, r.clock.ms, -1), codeAt(C, r.clock.ms, 0));
      r.clock.ms += 30_000;
      const e = await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, 0)));
      expect([e.name, e.serial]).toEqual(['EntityTemporarilyUnmodifiable', A.serial]);
      // The code was A's own: it is not a wrong guess at C.
      expect((await r.v.token(C.serial)).failures).toBe(0);
      const audit = await r.v.audit({ user: 'alice', action: 'check', limit: 1 });
      expect([audit[0]!.serial, audit[0]!.outcome, audit[0]!.reason]).toEqual([A.serial, 'refused', 'locked']);
    });

    it('unknown user → NoSuchEntity; disabled token → TokenDisabled; bad code → ValidationError; none write a failure', async () => {
      let e = await refusal(() => r.v.check('nobody', '123456'));
      expect([e.name, e.httpStatus]).toEqual(['NoSuchEntity', 404]);
      for (const [code, msg] of [['12345', /6 to 8 digits, got 5/], ['12 456', /only the digits/], ['123456789', /got 9/]] as const) {
        e = await refusal(() => r.v.check('alice', code));
        expect(e.name).toBe('ValidationError');
        expect(e.message).toMatch(msg);
      }
      expect((await r.v.token(A.serial)).failures).toBe(0);
      await r.v.disable(A.serial);
      e = await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, 0)));
      expect([e.name, e.httpStatus]).toEqual(['TokenDisabled', 403]);
      await r.v.reactivate(A.serial);
      await r.v.check('alice', codeAt(A, r.clock.ms, 0));
    });

    it('a host clock outside 2020-2100 is ClockSkew, not a wrong code', async () => {
      r.clock.ms = Date.UTC(2003, 0, 1);
      expect((await refusal(() => r.v.check('alice', '123456'))).name).toBe('ClockSkew');
    });

    it('accepts RFC 6238 Appendix B vectors at their time (8 digits, 2033)', async () => {
      const { RFC6238 } = await import('../vectors/index.ts');
      const row = RFC6238.rows.find((x) => x.time === 2000000000)!;
      for (const alg of ['SHA1', 'SHA256', 'SHA512'] as const) {
        const serial = `RFC6238-${alg}`;
        await r.v.importTokens([{ serial, secret: RFC6238.keys[alg], algorithm: alg, digits: 8 }]);
        r.clock.ms = (row.time - 30) * 1000;
        const T = { serial, secret: RFC6238.keys[alg], algorithm: alg, digits: 8 };
        await r.v.enable(`rfc-${alg}`, 'k', serial, codeAt(T, r.clock.ms, -1), codeAt(T, r.clock.ms, 0));
        r.clock.ms = row.time * 1000;
        expect(await r.v.check(`rfc-${alg}`, row.totp[alg])).toEqual({ ok: true, serial });
      }
    });
  });
});
