/**
 * HTTP fuzz against a real server on 127.0.0.1 (fast-check, bounded): malformed JSON, wrong types,
 * unicode (lone surrogates included) and control characters in every field of every route, in
 * bodies, query strings and path parameters. Every answer is below 500, every refusal is
 * `{error, message}`, and the server answers normally afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi, type Api, type Reply } from './helpers.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi(3, { publicCheck: true });
  const t = api.tokens[0]!;
  await api.verifier.enable('alice', 'key', t.serial, api.code(t, -1), api.code(t, 0));
});
afterAll(async () => {
  const up = await api.call('GET', '/api/config', undefined, { auth: null });
  expect(up.status).toBe(200);
  await api.close();
});

const RUNS = 120;
const SEED = 1313;

/** Strings that hurt: any code point (lone surrogates too), control characters, near-valid codes and serials. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u001b', '\u007f', '\u0085', '\u2028', '\ud800', '\udfff', '\ufeff', 'a', '1', '/', '%'), maxLength: 20 }),
  fc.stringMatching(/^\d{5,9}$/),
  fc.constantFrom('HWTEST0001', 'HWTEST0002', 'alice', '', ' ', '__proto__', 'constructor', 'a'.repeat(5000)),
);
/** Any JSON value, including the wrong type for every field. */
const anyValue = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(nasty, nasty, { maxKeys: 2 }));

const ROUTES: { path: string; fields: string[] }[] = [
  { path: '/api/mfa/enable', fields: ['user', 'deviceName', 'serial', 'code1', 'code2'] },
  { path: '/api/mfa/check', fields: ['user', 'code'] },
  { path: '/api/mfa/resync', fields: ['user', 'serial', 'code1', 'code2'] },
  { path: '/api/mfa/deactivate', fields: ['user', 'serial'] },
];

function expectSafe(r: Reply, what: unknown): void {
  expect(r.status, JSON.stringify(what)).toBeLessThan(500);
  if (r.status >= 400) {
    expect(Object.keys(r.json ?? {}).sort(), r.text).toEqual(['error', 'message']);
  }
}

it('POST bodies: each route\'s fields with any value, extra fields, or none', async () => {
  const body = fc.constantFrom(...ROUTES).chain((route) => fc.record({
    route: fc.constant(route),
    body: fc.dictionary(fc.oneof(fc.constantFrom(...route.fields), nasty), anyValue, { maxKeys: 6 }),
    auth: fc.boolean(),
  }));
  await fc.assert(fc.asyncProperty(body, async ({ route, body: b, auth }) => {
    const r = await api.call('POST', route.path, b, auth ? {} : { auth: null });
    expectSafe(r, b);
    // Anything but a well-formed body with the right code is refused.
    expect(r.status).toBeGreaterThanOrEqual(400);
  }), { numRuns: RUNS * 2, seed: SEED });
});

it('POST bodies that are not JSON, or not an object', async () => {
  const raw = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constantFrom('{"user":"a","code":"123456"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\ufeff{}', '[]', 'null', '{"user":"\\ud800","code":"123456"}'),
  );
  await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), raw, async (route, text) => {
    const r = await api.call('POST', route.path, undefined, { raw: text });
    expectSafe(r, text);
    expect(r.status).toBeGreaterThanOrEqual(400);
  }), { numRuns: RUNS, seed: SEED });
});

it('query strings and path parameters of the GET routes', async () => {
  const enc = nasty.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')));
  const rawPart = fc.string({ unit: fc.constantFrom('%', 'Z', '0', 'e', '/', '?', '&', '=', '#', '\u00e9', 'A'), maxLength: 12 });
  const path = fc.oneof(
    enc.map((s) => `/api/tokens/${s}`),
    rawPart.map((s) => `/api/tokens/${s}`),
    fc.tuple(fc.constantFrom('user', 'serial', 'limit', 'x', 'user[]'), enc).map(([k, v]) => `/api/audit?${k}=${v}`),
    fc.tuple(fc.constantFrom('user', 'user[a]', 'x'), enc).map(([k, v]) => `/api/mfa/devices?${k}=${v}&${k}=${v}`),
    rawPart.map((s) => `/api/audit?limit=${s}`),
  );
  await fc.assert(fc.asyncProperty(path, async (p) => {
    let r: Reply;
    try {
      r = await api.call('GET', p);
    } catch {
      return; // fetch itself refused to send it (an invalid URL): nothing reached the server
    }
    expectSafe(r, p);
  }), { numRuns: RUNS * 2, seed: SEED });
});
