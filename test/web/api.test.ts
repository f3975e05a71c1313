/**
 * The HTTP API of `hwtotp serve` over real HTTP (fastify on 127.0.0.1:0) against a real SQLite
 * file: every endpoint, every refusal's status and name, the operator key, the guards on input
 * (size, JSON, schema), rate limits and locks with Retry-After, the audit log, and no seed in any
 * response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, seedSpellings, API_KEY, type Api } from './helpers.ts';

let api: Api;
const step = (n = 1) => { api.clock.ms += n * 30_000; };

beforeAll(async () => {
  api = await startApi(12, {}, { maxTokensPerUser: 2 });
});
afterAll(async () => {
  // Whatever happened above, no response may have carried a seed in any spelling.
  for (const t of api.tokens) for (const s of seedSpellings(t.seed)) for (const b of api.bodies) expect(b.includes(s)).toBe(false);
  expect(api.bodies.length).toBeGreaterThan(40);
  await api.close();
});

describe('operator key', () => {
  it('refuses a call without the key with 401 Unauthorized and a Bearer challenge', async () => {
    const r = await api.call('GET', '/api/mfa/devices', undefined, { auth: null });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: 'Unauthorized', message: expect.stringContaining('Authorization: Bearer') });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a wrong key, a key with a suffix, and another scheme', async () => {
    for (const auth of ['Bearer wrong-key-wrong-key-wrong', `Bearer ${API_KEY}x`, `Bearer ${API_KEY.slice(0, -1)}`, `Basic ${API_KEY}`, API_KEY]) {
      const r = await api.call('GET', '/api/mfa/devices', undefined, { auth });
      expect(r.status, auth).toBe(401);
      expect(r.json.error).toBe('Unauthorized');
    }
  });

  it('needs the key for the sign-in check by default, and reads the body only after it', async () => {
    const r = await api.call('POST', '/api/mfa/check', undefined, { auth: null, raw: '{not json' });
    expect(r.status).toBe(401);
  });

  it('guards a route however its path is spelled (percent-escapes are decoded by the router)', async () => {
    for (const path of ['/%61pi/mfa/devices', '/api/mfa/%64evices', '/%61pi/audit', '/api/tokens/%48WTEST0001']) {
      const r = await api.call('GET', path, undefined, { auth: null });
      expect(r.status, path).toBe(401);
    }
    const r = await api.call('POST', '/%61pi/mfa/enable', {}, { auth: null });
    expect(r.status).toBe(401);
  });

  it('accepts the scheme in any case', async () => {
    const r = await api.call('GET', '/api/mfa/devices', undefined, { auth: `bearer ${API_KEY}` });
    expect(r.status).toBe(200);
  });

  it('serves the console and /api/config without the key', async () => {
    const page = await api.call('GET', '/', undefined, { auth: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('Assign MFA device');
    for (const f of ['/app.js', '/style.css']) expect((await api.call('GET', f, undefined, { auth: null })).status).toBe(200);
    const c = await api.call('GET', '/api/config', undefined, { auth: null });
    expect(c.json).toEqual({ simulator: false, publicCheck: false });
  });
});

describe('headers', () => {
  it('sends a CSP without inline scripts, nosniff and no-store on the API', async () => {
    const r = await api.call('GET', '/api/mfa/devices');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await api.call('GET', '/', undefined, { auth: null });
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.text).not.toMatch(/<script>(?!<\/script>)|\son\w+="/); // no inline script or handler in the page
  });
});

describe('enable', () => {
  it('assigns a token with two consecutive codes', async () => {
    const t = api.tokens[0]!;
    const r = await api.call('POST', '/api/mfa/enable', { user: 'alice', deviceName: 'desk', serial: t.serial, code1: api.code(t, -1), code2: api.code(t) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ serial: t.serial, enableDate: expect.any(String) });
    expect(new Date(r.json.enableDate).getTime()).toBe(api.clock.ms);
  });

  it('refuses a token already assigned: 409 EntityAlreadyExists', async () => {
    step();
    const t = api.tokens[0]!;
    const r = await api.call('POST', '/api/mfa/enable', { user: 'bob', deviceName: 'x', serial: t.serial, code1: api.code(t, -1), code2: api.code(t) });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('EntityAlreadyExists');
    expect(r.json.message).toContain(t.serial);
  });

  it('refuses an unknown serial: 404 NoSuchEntity', async () => {
    const r = await api.call('POST', '/api/mfa/enable', { user: 'bob', deviceName: 'x', serial: 'HWNOSUCH01', code1: '123456', code2: '234567' });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('NoSuchEntity');
  });

  it('refuses wrong or non-consecutive codes: 403 InvalidAuthenticationCode', async () => {
    const t = api.tokens[1]!;
    const wrong = String((Number(api.code(t)) + 1) % 1_000_000).padStart(6, '0');
    let r = await api.call('POST', '/api/mfa/enable', { user: 'bob', deviceName: 'x', serial: t.serial, code1: api.code(t, -1), code2: wrong });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('InvalidAuthenticationCode');
    r = await api.call('POST', '/api/mfa/enable', { user: 'bob', deviceName: 'x', serial: t.serial, code1: api.code(t, -2), code2: api.code(t) });
    expect(r.status).toBe(403);
  });

  it('refuses a third token for a user limited to two: 409 LimitExceeded', async () => {
    for (const i of [1, 2]) {
      const t = api.tokens[i]!;
      const r = await api.call('POST', '/api/mfa/enable', { user: 'carol', deviceName: `t${i}`, serial: t.serial, code1: api.code(t, -1), code2: api.code(t) });
      expect(r.status).toBe(200);
    }
    const t = api.tokens[3]!;
    const r = await api.call('POST', '/api/mfa/enable', { user: 'carol', deviceName: 't3', serial: t.serial, code1: api.code(t, -1), code2: api.code(t) });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('LimitExceeded');
  });
});

describe('input guards', () => {
  const good = () => ({ user: 'dave', deviceName: 'd', serial: 'HWTEST0005', code1: '123456', code2: '654321' });

  it('names a missing field', async () => {
    const { code2: _, ...body } = good();
    const r = await api.call('POST', '/api/mfa/enable', body);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'ValidationError', message: 'code2: is required' });
  });

  it('refuses a code sent as a number, naming the field and the type', async () => {
    const r = await api.call('POST', '/api/mfa/enable', { ...good(), code1: 12345 });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('code1: must be a string, got number');
  });

  it('refuses codes that are not 6-8 digits, a bad serial, control characters and unknown fields', async () => {
    const cases: [object, RegExp][] = [
      [{ ...good(), code1: '12a456' }, /^code1: must be 6 to 8 digits$/],
      [{ ...good(), code2: '123' }, /^code2: must be 6 to 8 digits$/],
      [{ ...good(), serial: 'short' }, /^serial: must be 9-64 characters/],
      [{ ...good(), user: 'eve\nadmin' }, /^user: must be well-formed Unicode without control characters$/],
      [{ ...good(), deviceName: '' }, /^deviceName: must not be empty/],
      [{ ...good(), user: 'u'.repeat(129) }, /^user: must be at most 128 characters$/],
      [{ ...good(), admin: true }, /^unknown body field admin$/],
    ];
    for (const [body, re] of cases) {
      const r = await api.call('POST', '/api/mfa/enable', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toBe('ValidationError');
      expect(r.json.message).toMatch(re);
    }
  });

  it('refuses a body that is not an object', async () => {
    const r = await api.call('POST', '/api/mfa/check', [1, 2]);
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('request body must be a JSON object, got an array');
  });

  it('refuses malformed JSON with 400 ValidationError', async () => {
    const r = await api.call('POST', '/api/mfa/enable', undefined, { raw: '{"user": "a",' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'ValidationError', message: 'request body is not valid JSON' });
  });

  it('refuses prototype poisoning', async () => {
    const r = await api.call('POST', '/api/mfa/check', undefined, { raw: '{"user":"a","code":"123456","__proto__":{"x":1}}' });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('ValidationError');
  });

  it('refuses a body over 16 KB with 413 PayloadTooLarge, before parsing it', async () => {
    const r = await api.call('POST', '/api/mfa/enable', undefined, { raw: JSON.stringify({ ...good(), deviceName: 'x'.repeat(17_000) }) });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: 'PayloadTooLarge', message: 'request body is larger than the limit of 16384 bytes' });
  });

  it('refuses a body that is not JSON with 415', async () => {
    const r = await api.call('POST', '/api/mfa/enable', undefined, { raw: 'user=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(r.json.error).toBe('UnsupportedMediaType');
  });

  it('has no simulator endpoints when no simulated token is attached', async () => {
    expect((await api.call('GET', '/api/sim/screen')).status).toBe(404);
    expect((await api.call('POST', '/api/sim/press')).status).toBe(404);
  });

  it('answers an unknown endpoint with 404 NotFound in the same shape', async () => {
    const r = await api.call('GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'NotFound', message: 'no such endpoint: GET /api/nope' });
  });
});

describe('check (sign-in)', () => {
  it('accepts a fresh code, refuses the same code again (replay), and a wrong one', async () => {
    step();
    const t = api.tokens[0]!;
    const code = api.code(t);
    let r = await api.call('POST', '/api/mfa/check', { user: 'alice', code });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, serial: t.serial });
    r = await api.call('POST', '/api/mfa/check', { user: 'alice', code });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('InvalidAuthenticationCode');
    expect(r.json.message).toMatch(/already used/);
  });

  it('refuses a user without a token: 404 NoSuchEntity', async () => {
    const r = await api.call('POST', '/api/mfa/check', { user: 'nobody', code: '123456' });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('NoSuchEntity');
  });

  it('locks the token after 5 wrong codes: 423 EntityTemporarilyUnmodifiable with Retry-After', async () => {
    const t = api.tokens[4]!;
    step();
    expect((await api.call('POST', '/api/mfa/enable', { user: 'frank', deviceName: 'f', serial: t.serial, code1: api.code(t, -1), code2: api.code(t) })).status).toBe(200);
    step();
    const wrong = String((Number(api.code(t)) + 500_000) % 1_000_000).padStart(6, '0');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await api.call('POST', '/api/mfa/check', { user: 'frank', code: wrong });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 4)).toEqual([403, 403, 403, 403]);
    expect(last!.status).toBe(423);
    expect(last!.json.error).toBe('EntityTemporarilyUnmodifiable');
    const retry = Number(last!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    // Even the right code waits out the lock.
    const right = await api.call('POST', '/api/mfa/check', { user: 'frank', code: api.code(t) });
    expect(right.status).toBe(423);
  });
});

describe('resync', () => {
  it('brings a drifted token back (even locked), then sign-in works', async () => {
    const t = api.tokens[4]!; // locked by the previous test
    const r = await api.call('POST', '/api/mfa/resync', { user: 'frank', serial: t.serial, code1: api.code(t, 10), code2: api.code(t, 11) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ serial: t.serial, driftSteps: 11 });
    step();
    const ok = await api.call('POST', '/api/mfa/check', { user: 'frank', code: api.code(t, 11) });
    expect(ok.status).toBe(200);
  });

  it('refuses wrong codes (403), a token of another user (404), bad fields (400)', async () => {
    const t = api.tokens[4]!;
    let r = await api.call('POST', '/api/mfa/resync', { user: 'frank', serial: t.serial, code1: api.code(t, 20), code2: api.code(t, 22) });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('InvalidAuthenticationCode');
    r = await api.call('POST', '/api/mfa/resync', { user: 'alice', serial: t.serial, code1: api.code(t, 20), code2: api.code(t, 21) });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('NoSuchEntity');
    r = await api.call('POST', '/api/mfa/resync', { user: 'frank', serial: t.serial, code1: api.code(t, 20) });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('code2: is required');
  });
});

describe('devices, token, deactivate, audit', () => {
  it('lists the devices of a user with the documented fields, or all tokens', async () => {
    const r = await api.call('GET', '/api/mfa/devices?user=carol');
    expect(r.status).toBe(200);
    expect(r.json.map((d: any) => d.serial).sort()).toEqual([api.tokens[1]!.serial, api.tokens[2]!.serial]);
    for (const d of r.json) {
      expect(d).toMatchObject({ serial: expect.any(String), deviceName: expect.any(String), enableDate: expect.any(String), state: 'assigned', user: 'carol' });
    }
    const all = await api.call('GET', '/api/mfa/devices');
    expect(all.json.length).toBe(api.tokens.length);
    const bad = await api.call('GET', '/api/mfa/devices?user=a&x=1');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('unknown query field x');
  });

  it('shows one token without its seed, and 404 for an unknown one', async () => {
    const t = api.tokens[0]!;
    const r = await api.call('GET', `/api/tokens/${t.serial}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ serial: t.serial, state: 'assigned', user: 'alice', deviceName: 'desk', digits: 6, period: 30 });
    expect(Object.keys(r.json).filter((k) => /secret|seed/i.test(k))).toEqual([]);
    const missing = await api.call('GET', '/api/tokens/HWNOSUCH01');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('NoSuchEntity');
    const bad = await api.call('GET', '/api/tokens/bad');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^serial: /);
  });

  it('finds a token whose serial holds a slash, percent-encoded in the path', async () => {
    const serial = 'LOT/2027/0001';
    await api.verifier.importTokens([{ serial, secret: new Uint8Array(20).fill(7) }]);
    const r = await api.call('GET', `/api/tokens/${encodeURIComponent(serial)}`);
    expect(r.status).toBe(200);
    expect(r.json.serial).toBe(serial);
  });

  it('deactivates: 200, then the token is free again; a second time is 404', async () => {
    const t = api.tokens[2]!;
    let r = await api.call('POST', '/api/mfa/deactivate', { user: 'carol', serial: t.serial });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ serial: t.serial, user: 'carol', deactivated: true });
    r = await api.call('GET', `/api/tokens/${t.serial}`);
    expect(r.json).toMatchObject({ state: 'unassigned', user: null });
    r = await api.call('POST', '/api/mfa/deactivate', { user: 'carol', serial: t.serial });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('NoSuchEntity');
  });

  it('returns the audit log by serial and by user, newest first, without codes or seeds', async () => {
    const t = api.tokens[4]!;
    const r = await api.call('GET', `/api/audit?serial=${t.serial}`);
    expect(r.status).toBe(200);
    const actions = r.json.map((a: any) => `${a.action}:${a.outcome}`);
    expect(actions).toContain('enable:ok');
    expect(actions).toContain('check:accepted');
    expect(actions).toContain('lock:ok');
    expect(actions).toContain('resync:ok');
    expect(r.json.every((a: any) => a.serial === t.serial)).toBe(true);
    const times = r.json.map((a: any) => Date.parse(a.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const byUser = await api.call('GET', '/api/audit?user=alice&limit=3');
    expect(byUser.json.length).toBe(3);
    expect(byUser.json.every((a: any) => a.user === 'alice')).toBe(true);
    const bad = await api.call('GET', '/api/audit?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('limit: must be a whole number from 1 to 1000');
  });
});

describe('rate limits on the check', () => {
  it('throttles one user after the burst: 429 Throttling with Retry-After, and refills over time', async () => {
    const limited = await startApi(1, { checkLimits: { perUser: { capacity: 3, perSecond: 0.5 } } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await limited.call('POST', '/api/mfa/check', { user: 'zed', code: '123456' });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([404, 404, 404, 429]);
      expect(last!.json.error).toBe('Throttling');
      expect(last!.json.message).toContain('zed');
      expect(last!.headers.get('retry-after')).toBe('2');
      // Another user is not held up by zed.
      expect((await limited.call('POST', '/api/mfa/check', { user: 'amy', code: '123456' })).status).toBe(404);
      limited.clock.ms += 2000;
      expect((await limited.call('POST', '/api/mfa/check', { user: 'zed', code: '123456' })).status).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('throttles one client address across users', async () => {
    const limited = await startApi(1, { checkLimits: { perAddress: { capacity: 2, perSecond: 1 } } });
    try {
      const s: number[] = [];
      let last;
      for (const user of ['a1', 'a2', 'a3']) {
        last = await limited.call('POST', '/api/mfa/check', { user, code: '123456' });
        s.push(last.status);
      }
      expect(s).toEqual([404, 404, 429]);
      expect(last!.json.message).toContain('127.0.0.1');
      expect(last!.headers.get('retry-after')).toBe('1');
    } finally {
      await limited.close();
    }
  });
});

describe('public check', () => {
  it('lets the check through without the key, but nothing else', async () => {
    const pub = await startApi(1, { publicCheck: true });
    try {
      const r = await pub.call('POST', '/api/mfa/check', { user: 'x', code: '123456' }, { auth: null });
      expect(r.status).toBe(403);
      expect((await pub.call('GET', '/api/config', undefined, { auth: null })).json.publicCheck).toBe(true);
      expect((await pub.call('POST', '/api/mfa/enable', {}, { auth: null })).status).toBe(401);
    } finally {
      await pub.close();
    }
  });
});

describe('a damaged registry', () => {
  it('answers 500 CorruptRecord naming the token and the remedy, not a bare internal error, and no seed', async () => {
    const d = await startApi(1);
    try {
      const t = d.tokens[0]!;
      const enabled = await d.call('POST', '/api/mfa/enable', { user: 'dora', deviceName: 'k', serial: t.serial, code1: d.code(t, -1), code2: d.code(t, 0) });
      expect(enabled.status).toBe(200);
      // Another process (or a disk fault) flips one byte of the sealed seed: AES-GCM refuses it.
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(d.dbPath);
      const row = db.prepare('SELECT sealed_secret FROM tokens WHERE serial = ?').get(t.serial) as { sealed_secret: Buffer };
      const bad = Buffer.from(row.sealed_secret);
      bad[bad.length - 1]! ^= 1;
      db.prepare('UPDATE tokens SET sealed_secret = ? WHERE serial = ?').run(bad, t.serial);
      db.close();
      d.clock.ms += 30_000;
      const r = await d.call('POST', '/api/mfa/check', { user: 'dora', code: d.code(t) });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: 'CorruptRecord', message: expect.stringMatching(new RegExp(`seed of token ${t.serial} does not decrypt.*restore it from a backup`)) });
      for (const s of seedSpellings(t.seed)) expect(r.text.includes(s)).toBe(false);
    } finally {
      await d.close();
    }
  });
});
