/**
 * Over real HTTP: NextCodeRequired answers 403 `{"error":"NextCodeRequired"}` and the next code
 * signs in; POST /api/tokens/find names a token (operator key), 404 when none, 400 on bad input;
 * the devices list shows drift now and rate; no seed in any reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, seedSpellings, type Api } from './helpers.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi(3);
  const [a] = api.tokens;
  const r = await api.call('POST', '/api/mfa/enable', { user: 'ann', deviceName: 'desk', serial: a!.serial, code1: api.code(a!, -1), code2: api.code(a!, 0) });
  expect(r.status).toBe(200);
  api.clock.ms += 120_000;
});
afterAll(async () => {
  for (const t of api.tokens) for (const s of seedSpellings(t.seed)) for (const b of api.bodies) expect(b.includes(s)).toBe(false);
  await api.close();
});

describe('NextCodeRequired over HTTP', () => {
  it('answers 403 NextCodeRequired, then the next code signs in; replays are refused', async () => {
    const [a] = api.tokens;
    const far = api.code(a!, 8), next = api.code(a!, 9);
    let r = await api.call('POST', '/api/mfa/check', { user: 'ann', code: far });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: 'NextCodeRequired', message: expect.stringMatching(/next code/) });
    api.clock.ms += 30_000;
    r = await api.call('POST', '/api/mfa/check', { user: 'ann', code: next });
    expect([r.status, r.json]).toEqual([200, { ok: true, serial: a!.serial }]);
    for (const code of [far, next]) {
      r = await api.call('POST', '/api/mfa/check', { user: 'ann', code });
      expect([r.status, r.json.error]).toEqual([403, 'InvalidAuthenticationCode']);
    }
    r = await api.call('GET', '/api/mfa/devices?user=ann');
    expect(r.json[0]).toMatchObject({ serial: a!.serial, driftNowSteps: 8, ratePpm: null });
  });
});

describe('POST /api/tokens/find', () => {
  it('names the token showing two consecutive codes, assigned or not', async () => {
    const [a, b] = api.tokens;
    let r = await api.call('POST', '/api/tokens/find', { code1: api.code(b!, 0), code2: api.code(b!, 1) });
    expect([r.status, r.json]).toEqual([200, { serial: b!.serial, state: 'unassigned', user: null, driftSteps: 1 }]);
    r = await api.call('POST', '/api/tokens/find', { code1: api.code(a!, 8), code2: api.code(a!, 9) });
    expect([r.status, r.json]).toMatchObject([200, { serial: a!.serial, user: 'ann' }]);
    const audit = await api.call('GET', '/api/audit?limit=2');
    expect(audit.json[0]).toMatchObject({ action: 'find', outcome: 'ok', serial: a!.serial });
  });

  it('needs the operator key; refuses bad bodies with 400; none matching is 404', async () => {
    const [b] = api.tokens.slice(1);
    let r = await api.call('POST', '/api/tokens/find', { code1: api.code(b!, 0), code2: api.code(b!, 1) }, { auth: null });
    expect(r.status).toBe(401);
    r = await api.call('POST', '/api/tokens/find', { code1: '12345', code2: '123456' });
    expect([r.status, r.json.error]).toEqual([400, 'ValidationError']);
    expect(r.json.message).toMatch(/code1/);
    r = await api.call('POST', '/api/tokens/find', { code1: '123456' });
    expect([r.status, r.json.message]).toEqual([400, expect.stringMatching(/code2: is required/)]);
    r = await api.call('POST', '/api/tokens/find', { code1: '123456', code2: '123456', user: 'x' });
    expect([r.status, r.json.message]).toEqual([400, expect.stringMatching(/unknown body field user/)]);
    r = await api.call('POST', '/api/tokens/find', { code1: '123456', code2: '123456', wide: 'yes' });
    expect([r.status, r.json.message]).toEqual([400, expect.stringMatching(/wide/)]);
    r = await api.call('POST', '/api/tokens/find', { code1: '000000', code2: '000001' });
    expect([r.status, r.json.error]).toEqual([404, 'NoSuchEntity']);
    r = await api.call('POST', '/api/tokens/find', { code1: api.code(b!, 300), code2: api.code(b!, 301), wide: true });
    expect([r.status, r.json.serial]).toEqual([200, b!.serial]);
    const audit = await api.call('GET', '/api/audit?limit=1');
    expect(audit.json[0]).toMatchObject({ action: 'find', detail: { searched: 'resync-window' } });
  });
});
