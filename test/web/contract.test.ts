/**
 * The reply contract, over a real server on 127.0.0.1: every refusal, including fastify's router
 * errors and requests Node's HTTP parser refuses before fastify sees them, is exactly
 * `{error, message}` with the security headers, and never leaks fastify's `code` or `statusCode`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from './helpers.ts';
import { rawRequest } from './raw-http.ts';

let api: Api;
let port: number;
beforeAll(async () => {
  api = await startApi(1);
  port = Number(new URL(api.url).port);
});
afterAll(async () => api.close());

function expectContract(status: number, headers: { get(n: string): string | null }, text: string, want: { status: number; error: string; cache?: string }): void {
  expect(status).toBe(want.status);
  const body = JSON.parse(text) as { [k: string]: unknown };
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(want.error);
  expect(typeof body.message).toBe('string');
  expect(headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('cache-control')).toBe(want.cache ?? 'no-store');
}

describe('fastify router errors', () => {
  it('a malformed percent-escape (FST_ERR_BAD_URL) is a 400 ValidationError that does not echo the URL', async () => {
    for (const path of ['/%ZZ', '/api/tokens/%ZZ', '/api/mfa/%E0%A4%A']) {
      const r = await api.call('GET', path);
      expectContract(r.status, r.headers, r.text, { status: 400, error: 'ValidationError', cache: path.startsWith('/api/') ? 'no-store' : 'no-cache' });
      expect(r.text).not.toContain('%ZZ');
    }
  });

  it('a 5,000-character path parameter (FST_ERR_MAX_PARAM_LENGTH) is a 414 UriTooLong', async () => {
    const r = await api.call('GET', '/api/tokens/' + 'A'.repeat(5000));
    expectContract(r.status, r.headers, r.text, { status: 414, error: 'UriTooLong' });
    expect(r.text.length).toBeLessThan(200);
  });
});

describe("Node's client errors (raw socket)", () => {
  const cases: [string, string, number, string][] = [
    ['a Content-Length that is not a number', 'POST /api/mfa/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}', 400, 'ValidationError'],
    ['a negative Content-Length', 'POST /api/mfa/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n{}', 400, 'ValidationError'],
    ['two different Content-Lengths', 'POST /api/mfa/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}', 400, 'ValidationError'],
    ['Content-Length with chunked Transfer-Encoding', 'POST /api/mfa/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}', 400, 'ValidationError'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'ValidationError'],
    ['a control character in a header', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x01b\r\n\r\n', 400, 'ValidationError'],
    ['headers beyond the size limit', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HeadersTooLarge'],
  ];
  for (const [what, request, status, error] of cases) {
    it(`${what}: ${status} ${error}`, async () => {
      const r = await rawRequest(port, request);
      expectContract(r.status, { get: (n) => r.headers[n] ?? null }, r.body, { status, error });
    });
  }

  it('the server still answers afterwards', async () => {
    expect((await api.call('GET', '/api/config', undefined, { auth: null })).status).toBe(200);
  });
});
