/**
 * Shared setup of the web suites: a real SQLite registry in a temporary directory, a verifier on a
 * clock the test moves, the real fastify server listening on 127.0.0.1:0, and a small HTTP client
 * that remembers every response body so a test can prove no seed ever left the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { nobleHmac, toHex, totp, base32Encode } from '@hwtotp/protocol/host';
import { openVerifier, type Verifier, type VerifierOptions } from '@hwtotp/verifier';
import { buildServer, type ServerOptions } from '@hwtotp/verifier/http';

export const API_KEY = 'test-operator-key-0123456789abcdef';

/** A token the test imported, with its seed (the test is the only other holder). */
export interface TestToken {
  serial: string;
  seed: Uint8Array;
}

export interface Api {
  url: string;
  verifier: Verifier;
  dir: string;
  dbPath: string;
  tokens: TestToken[];
  /** The clock of both the verifier and the rate limiters, in ms. */
  clock: { ms: number };
  /** Every response body seen, as text. */
  bodies: string[];
  /** The code of `t` at the clock, `offset` steps away. */
  code(t: TestToken, offset?: number): string;
  call(method: string, path: string, body?: unknown, o?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** The Authorization header; default `Bearer API_KEY`; null sends none. */
  auth?: string | null;
  /** Raw body text (sent as is, with content-type application/json unless overridden). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

/** 2027-01-15T08:00:10Z: 10 s into a 30-second step, far from any boundary. */
export const START_MS = Date.UTC(2027, 0, 15, 8, 0, 10);

/**
 * Starts a verifier and server over a fresh SQLite file with `count` imported tokens
 * (serials HWTEST0001...).
 */
export async function startApi(count = 4, server: Partial<ServerOptions> = {}, verifier: Partial<VerifierOptions> = {}): Promise<Api> {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-web-'));
  const dbPath = join(dir, 'registry.db');
  const clock = { ms: START_MS };
  const v = await openVerifier({ db: dbPath, masterKey: toHex(new Uint8Array(randomBytes(32))), now: () => clock.ms, env: {}, ...verifier });
  const tokens: TestToken[] = [];
  for (let i = 1; i <= count; i++) tokens.push({ serial: `HWTEST${String(i).padStart(4, '0')}`, seed: new Uint8Array(randomBytes(20)) });
  if (tokens.length) await v.importTokens(tokens.map((t) => ({ serial: t.serial, secret: t.seed })));
  const app = buildServer({ verifier: v, apiKey: API_KEY, now: () => clock.ms, ...server });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const bodies: string[] = [];
  return {
    url, verifier: v, dir, dbPath, tokens, clock, bodies,
    code: (t, offset = 0) => totp(nobleHmac, t.seed, Math.floor(clock.ms / 1000) + offset * 30),
    async call(method, path, body, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const auth = o.auth === undefined ? `Bearer ${API_KEY}` : o.auth;
      if (auth !== null) headers.authorization = auth;
      let payload: string | undefined;
      if (o.raw !== undefined) payload = o.raw;
      else if (body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, { method, headers, body: payload });
      const text = await res.text();
      bodies.push(text);
      let json: any;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, headers: res.headers, json, text };
    },
    async close() {
      await app.close();
      await v.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every way a seed could be spelled in a response: hex either case, base32 with or without padding. */
export function seedSpellings(seed: Uint8Array): string[] {
  const hex = toHex(seed);
  const b32 = base32Encode(seed);
  return [hex.toLowerCase(), hex.toUpperCase(), b32.replace(/=+$/, ''), b32.replace(/=+$/, '').toLowerCase(), Buffer.from(seed).toString('base64')];
}
