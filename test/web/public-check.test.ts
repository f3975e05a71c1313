/**
 * `serve --public-check`: a caller without the operator key learns accepted or refused and nothing
 * else (no user existence, serial, lock end or digit count); the audit log keeps the reasons, and a
 * caller with the key still gets the detailed answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { nobleHmac, totp } from '@hwtotp/protocol/host';
import { startApi, type Api, type Reply } from './helpers.ts';

let api: Api;
const carolSeed = new Uint8Array(randomBytes(20));
const carolCode = (offset = 0) => totp(nobleHmac, carolSeed, Math.floor(api.clock.ms / 1000) + offset * 30, { digits: 8 });
const step = () => { api.clock.ms += 30_000; };

beforeAll(async () => {
  api = await startApi(3, { publicCheck: true, checkLimits: { perUser: { capacity: 1000, perSecond: 1000 } } });
  await api.verifier.importTokens([{ serial: 'HWTEST0008', secret: carolSeed, digits: 8 }]);
  const [a, b] = api.tokens;
  await api.verifier.enable('alice', 'key', a!.serial, api.code(a!, -1), api.code(a!, 0));
  await api.verifier.enable('bob', 'key', b!.serial, api.code(b!, -1), api.code(b!, 0));
  await api.verifier.enable('carol', 'key', 'HWTEST0008', carolCode(-1), carolCode(0));
  await api.verifier.disable(b!.serial);
  step();
});
afterAll(async () => api.close());

const keyless = (user: string, code: string) => api.call('POST', '/api/mfa/check', { user, code }, { auth: null });
const withKey = (user: string, code: string) => api.call('POST', '/api/mfa/check', { user, code });

/** What a key-less caller can observe of a refusal: status, body, and the headers that could carry detail. */
const seen = (r: Reply) => ({ status: r.status, text: r.text, retryAfter: r.headers.get('retry-after') });

describe('without the key', () => {
  it('an unknown user, a wrong code, a disabled token and a wrong-length code get the same answer', async () => {
    const a = api.tokens[0]!;
    const wrong = String((Number(api.code(a)) + 1) % 1_000_000).padStart(6, '0');
    const answers = [
      await keyless('nobody', '123456'),
      await keyless('alice', wrong),
      await keyless('bob', api.code(api.tokens[1]!)),
      await keyless('carol', '123456'),
    ];
    for (const r of answers) expect(seen(r)).toEqual(seen(answers[0]!));
    expect(answers[0]!.status).toBe(403);
    expect(answers[0]!.json).toEqual({ error: 'InvalidAuthenticationCode', message: 'the sign-in was refused' });
    for (const r of answers) expect(r.text).not.toMatch(/HWTEST|8 digits|\d{4}-\d\d-\d\dT/);
  });

  it('a locked token refuses even the right code the same way, with no lock end and no Retry-After', async () => {
    const a = api.tokens[0]!;
    for (let i = 0; i < 5; i++) await keyless('alice', '000000');
    const r = await keyless('alice', api.code(a));
    expect(seen(r)).toEqual(seen(await keyless('nobody', '123456')));
    // The key holder sees why.
    const detailed = await withKey('alice', api.code(a));
    expect(detailed.status).toBe(423);
    expect(detailed.json.error).toBe('EntityTemporarilyUnmodifiable');
    expect(detailed.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('an accepted code says ok and no serial', async () => {
    const r = await keyless('carol', carolCode());
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true });
  });

  it('the audit log keeps every reason', async () => {
    const rows = await api.verifier.audit({ action: 'check', limit: 100 });
    const reasons = new Set(rows.map((row) => row.reason));
    for (const why of ['no-token', 'wrong-code', 'disabled', 'code-length', 'locked']) expect(reasons, why).toContain(why);
  });
});

describe('with the key', () => {
  it('keeps the detailed answers: unknown user 404, wrong length 400 naming the digits, accepted with the serial', async () => {
    step();
    expect((await withKey('nobody', '123456')).json.error).toBe('NoSuchEntity');
    const len = await withKey('carol', '123456');
    expect(len.status).toBe(400);
    expect(len.json.message).toContain('8 digits');
    const ok = await withKey('carol', carolCode());
    expect(ok.json).toEqual({ ok: true, serial: 'HWTEST0008' });
  });
});
