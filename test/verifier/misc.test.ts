/** verifyTotp, settings validation, error shapes, an in-memory registry, and a custom lockout policy. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../verifier/src/sqlite-store.ts';
import { openVerifier, verifyTotp, VerifierError, HTTP_STATUS } from '@hwtotp/verifier';
import { T0_MS, codeAt, refusal, rig, token, wrongCode } from './helpers.ts';

const A = token('HWT-MISC-0001', { algorithm: 'SHA256', digits: 8, period: 60 });

describe('verifyTotp', () => {
  it('returns the step offset within the window, or null', () => {
    const time = T0_MS / 1000;
    const opts = { algorithm: 'SHA256' as const, digits: 8, period: 60, time };
    for (const o of [-1, 0, 1]) expect(verifyTotp(A.secret, codeAt(A, T0_MS, o), opts)).toBe(o);
    expect(verifyTotp(A.secret, codeAt(A, T0_MS, 2), opts)).toBeNull();
    expect(verifyTotp(A.secret, codeAt(A, T0_MS, 2), { ...opts, window: 2 })).toBe(2);
    expect(verifyTotp(A.secret, wrongCode(A, T0_MS), opts)).toBeNull();
    expect(() => verifyTotp(A.secret, '123456', opts)).toThrow(/code must be 8 digits for this token, got 6/);
  });
});

describe('settings and errors', () => {
  it('refuses bad options naming the option and the value', async () => {
    await expect(openVerifier({ db: ':memory:', enableWindowSteps: 0 })).rejects.toThrow(/enableWindowSteps must be an integer from 1 to 1000, got 0/);
    await expect(openVerifier({ db: ':memory:', maxFailures: 2.5 })).rejects.toThrow(/maxFailures .* got 2.5/);
    await expect(openVerifier({ db: '' })).rejects.toThrow(/db must be a file path/);
  });

  it('every setting can come from its HWTOTP_ variable, for CLI and serve users; the option wins; bad values are named', async () => {
    const env = { HWTOTP_ENABLE_WINDOW_STEPS: '20', HWTOTP_RESYNC_WINDOW_SECONDS: '3600', HWTOTP_MAX_FAILURES: '3' };
    const v = await openVerifier({ db: ':memory:', env });
    expect(v.settings).toMatchObject({ enableWindowSteps: 20, resyncWindowSeconds: 3600, maxFailures: 3, checkWindowSteps: 1 });
    await v.close();
    const w = await openVerifier({ db: ':memory:', env, enableWindowSteps: 5 });
    expect(w.settings.enableWindowSteps).toBe(5);
    await w.close();
    await expect(openVerifier({ db: ':memory:', env: { HWTOTP_CHECK_WINDOW_STEPS: 'two' } }))
      .rejects.toThrow(/HWTOTP_CHECK_WINDOW_STEPS must be an integer from 0 to 10, got "two"/);
    await expect(openVerifier({ db: ':memory:', env: { HWTOTP_LOCK_SECONDS: '0' } }))
      .rejects.toThrow(/HWTOTP_LOCK_SECONDS must be an integer from 1 to 86400, got 0/);
  });

  it('SQLite durability: NORMAL by default, FULL on request (option or HWTOTP_SQLITE_SYNC), anything else refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwtotp-sync-'));
    try {
      const level = (s: SqliteStore) => s.db.pragma('synchronous', { simple: true }); // 1 NORMAL, 2 FULL
      const plain = new SqliteStore(join(dir, 'a.db'));
      const full = new SqliteStore(join(dir, 'b.db'), { synchronous: 'full' });
      expect([level(plain), level(full)]).toEqual([1, 2]);
      await plain.close();
      await full.close();
      const key = 'ab'.repeat(32);
      const v = await openVerifier({ db: join(dir, 'c.db'), masterKey: key, env: { HWTOTP_SQLITE_SYNC: 'full' } });
      expect(level((v as unknown as { ctx: { store: SqliteStore } }).ctx.store)).toBe(2);
      await v.close();
      await expect(openVerifier({ db: join(dir, 'd.db'), masterKey: key, env: { HWTOTP_SQLITE_SYNC: 'always' } }))
        .rejects.toThrow(/HWTOTP_SQLITE_SYNC must be "normal" or "full", got "always"/);
      await expect(openVerifier({ db: join(dir, 'd.db'), masterKey: key, synchronous: 'off' as 'full' }))
        .rejects.toThrow(/synchronous must be "normal" or "full", got "off"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every error name has an HTTP status and errors serialize as {error, message}', () => {
    const e = new VerifierError('EntityTemporarilyUnmodifiable', 'locked', { serial: 'S', retryAfter: 5, lockedUntil: 'x' });
    expect([e.httpStatus, e.exitCode, e instanceof Error]).toEqual([423, 1, true]);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ error: 'EntityTemporarilyUnmodifiable', message: 'locked', serial: 'S', retryAfter: 5, lockedUntil: 'x' });
    expect(HTTP_STATUS).toMatchObject({ ValidationError: 400, InvalidAuthenticationCode: 403, NoSuchEntity: 404, EntityAlreadyExists: 409, LimitExceeded: 409 });
  });
});

describe('an in-memory registry with a custom lockout', () => {
  it('locks after 2 failures for 10 s, doubling, capped at 30 s', async () => {
    const clock = { ms: T0_MS };
    const v = await openVerifier({ db: ':memory:', now: () => clock.ms, maxFailures: 2, lockSeconds: 10, maxLockSeconds: 30 });
    try {
      await v.importTokens([A]);
      await v.enable('u', 'k', A.serial, codeAt(A, clock.ms, -1), codeAt(A, clock.ms, 0));
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        await refusal(() => v.check('u', wrongCode(A, clock.ms)));
        const e = await refusal(() => v.check('u', wrongCode(A, clock.ms)));
        seen.push(e.retryAfter!);
        clock.ms += e.retryAfter! * 1000;
      }
      expect(seen).toEqual([10, 20, 30, 30]);
    } finally { await v.close(); }
  });
});

describe('the audit of refusals', () => {
  it('records no-token, disabled and locked refusals', async () => {
    const r = await rig();
    try {
      await r.v.importTokens([A]);
      await refusal(() => r.v.check('ghost', '12345678'));
      await r.v.enable('u', 'k', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
      for (let i = 0; i < 5; i++) await refusal(() => r.v.check('u', wrongCode(A, r.clock.ms)));
      await refusal(() => r.v.check('u', codeAt(A, r.clock.ms, 1)));
      await r.v.disable(A.serial);
      await refusal(() => r.v.check('u', codeAt(A, r.clock.ms, 1)));
      const reasons = (await r.v.audit({ action: 'check', limit: 1000 })).map((x) => x.reason);
      expect(reasons.slice(0, 2)).toEqual(['disabled', 'locked']);
      expect(reasons.at(-1)).toBe('no-token');
      expect(reasons.filter((x) => x === 'wrong-code')).toHaveLength(5);
    } finally { await r.close(); }
  });

  it('records every refused enable, resync and deactivate, and a code of no token\'s length, with why', async () => {
    const r = await rig({ maxTokensPerUser: 1 });
    try {
      const B = token('HWT-MISC-0002');
      const P = token('HWT-MISC-0003');
      await r.v.importTokens([A, B]);
      await r.v.addPending(P);
      const enable = (user: string, t: typeof A) => refusal(() => r.v.enable(user, 'k', t.serial, codeAt(t, r.clock.ms, -1), codeAt(t, r.clock.ms, 0)));
      await enable('u', token('HWT-MISC-9999'));
      await enable('u', P);
      await r.v.enable('u', 'k', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
      await enable('w', A);
      await enable('u', B); // u already holds her one token
      await r.v.disable(B.serial);
      await enable('w', B);
      const enables = await r.v.audit({ action: 'enable', limit: 100 });
      expect(enables.map((x) => [x.serial, x.user, x.outcome, x.reason])).toEqual([
        [B.serial, 'w', 'refused', 'disabled'],
        [B.serial, 'u', 'refused', 'limit'],
        [A.serial, 'w', 'refused', 'already-assigned'],
        [A.serial, 'u', 'ok', null],
        [P.serial, 'u', 'refused', 'pending'],
        ['HWT-MISC-9999', 'u', 'refused', 'no-such-token'],
      ]);

      await refusal(() => r.v.resync('w', A.serial, codeAt(A, r.clock.ms, 1), codeAt(A, r.clock.ms, 2)));
      await refusal(() => r.v.resync('w', 'HWT-MISC-9999', '123456', '234567'));
      await refusal(() => r.v.deactivate('w', A.serial));
      await refusal(() => r.v.deactivate('w', 'HWT-MISC-9999'));
      await refusal(() => r.v.check('u', '1234567')); // A's codes have 8 digits
      const rest = (await r.v.audit({ limit: 5 })).map((x) => [x.action, x.serial, x.user, x.reason]);
      expect(rest).toEqual([
        ['check', A.serial, 'u', 'code-length'],
        ['deactivate', 'HWT-MISC-9999', 'w', 'no-such-token'],
        ['deactivate', A.serial, 'w', 'not-owner'],
        ['resync', 'HWT-MISC-9999', 'w', 'no-such-token'],
        ['resync', A.serial, 'w', 'not-owner'],
      ]);
    } finally { await r.close(); }
  });
});
