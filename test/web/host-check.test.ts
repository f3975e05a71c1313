/**
 * The Host header check (DNS rebinding): a server started as `serve` starts it (listenHttp on
 * 127.0.0.1) answers for its own loopback names and for names configured by flag or environment,
 * and refuses any other Host with 421, before the key-less endpoints answer anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { listenHttp, parseAllowedHosts, defaultAllowedHosts, type RunningServer } from '@hwtotp/verifier/http';
import { rawRequest } from './raw-http.ts';

const dir = mkdtempSync(join(tmpdir(), 'hwtotp-host-'));
let verifier: Verifier;
let server: RunningServer;

beforeAll(async () => {
  verifier = await openVerifier({ db: join(dir, 'r.db'), masterKey: 'ab'.repeat(32), env: {} });
  server = await listenHttp({
    verifier, dbPath: join(dir, 'r.db'), host: '127.0.0.1', port: 0, publicCheck: true,
    extraHosts: ['totp.example.test'], env: { HWTOTP_API_KEY: 'k'.repeat(32), HWTOTP_ALLOWED_HOSTS: 'Console.Example.Test, 10.0.0.7' },
  });
});
afterAll(async () => {
  await server.close();
  await verifier.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, host: string | null, version = '1.1') =>
  rawRequest(server.port, `GET ${path} HTTP/${version}\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);

describe('Host header', () => {
  it('answers for the loopback names, with or without the port, in any case', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${server.port}`, `localhost:${server.port}`, 'LOCALHOST', `[::1]:${server.port}`]) {
      const r = await get('/api/config', host);
      expect(r.status, host).toBe(200);
    }
  });

  it('answers for names added by --allowed-host and HWTOTP_ALLOWED_HOSTS', async () => {
    for (const host of ['totp.example.test', 'console.example.test:8443', '10.0.0.7', 'totp.example.test.']) {
      expect((await get('/api/config', host)).status, host).toBe(200);
    }
  });

  it('refuses any other Host with 421 MisdirectedRequest on every key-less path, before the route answers', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.2', 'localhost.evil.example', '127.0.0.1.nip.io', 'a b', 'x@127.0.0.1']) {
      for (const path of ['/', '/app.js', '/api/config', '/no/such/page']) {
        const r = await get(path, host);
        expect(r.status, `${host} ${path}`).toBe(421);
        expect(JSON.parse(r.body)).toEqual({ error: 'MisdirectedRequest', message: expect.stringContaining('Host') });
        expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      }
    }
    const check = await rawRequest(server.port, 'POST /api/mfa/check HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{"user":"alice","code":"123456"}'.slice(0, -2));
    expect(check.status).toBe(421);
  });

  it('refuses an HTTP/1.0 request without a Host header', async () => {
    const r = await get('/api/config', null, '1.0');
    expect(r.status).toBe(421);
    expect(JSON.parse(r.body).message).toContain('no Host header');
  });

  it('a wildcard bind allows this machine\'s addresses and loopback; a named bind allows that name', () => {
    const any = defaultAllowedHosts('0.0.0.0');
    expect(any).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost', '::1']));
    expect(defaultAllowedHosts('Totp.Example.Test')).toEqual(['totp.example.test']);
  });

  it('refuses a configured entry that is not a bare host name or address, naming the source', () => {
    for (const bad of ['http://x.test', 'x.test:8080', 'x.test/', 'a b', '-x.test']) {
      expect(() => parseAllowedHosts([bad], 'HWTOTP_ALLOWED_HOSTS'), bad).toThrow(/HWTOTP_ALLOWED_HOSTS: .* is not a host name/);
    }
    expect(parseAllowedHosts(['A.Test', ' ', '::1', '[fe80::1]'], 'x')).toEqual(['a.test', '::1', 'fe80::1']);
  });
});
