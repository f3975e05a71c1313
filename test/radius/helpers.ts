/**
 * Shared by the RADIUS tests: a registry on a SQLite file with a settable clock and enabled tokens,
 * a clients file, FreeRADIUS's radclient as the client, and a UDP relay that can lose or alter replies.
 */
import { execFile } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { RadiusClients } from '@hwtotp/verifier/radius';
import { nobleHmac, totp } from '@hwtotp/protocol/host';

/** The registry clock starts here, mid-step, and moves only when a test moves it. */
export const T0 = Date.parse('2026-06-01T12:00:10Z');
export const MASTER_KEY = 'cd'.repeat(32);

export interface Registry {
  v: Verifier;
  /** Moves the registry clock by this many seconds. */
  advance(seconds: number): void;
  /** The code of a user's token at the registry clock + steps × 30 s. */
  code(user: string, steps?: number): string;
  nowMs(): number;
}

/** A registry at `db` where each user has one enabled token (last accepted step: the clock's). */
export async function registry(db: string, users: string[], options: { maxFailures?: number } = {}): Promise<Registry> {
  let now = T0;
  const v = await openVerifier({ db, masterKey: MASTER_KEY, now: () => now, env: {}, ...options });
  const seeds = new Map(users.map((u, i) => [u, new Uint8Array(20).fill(i + 1)]));
  await v.importTokens(users.map((u, i) => ({ serial: `RADTEST${String(i).padStart(4, '0')}`, secret: seeds.get(u)! })));
  const code = (user: string, steps = 0) => totp(nobleHmac, seeds.get(user)!, Math.floor(now / 1000) + steps * 30);
  for (const [i, u] of users.entries()) await v.enable(u, 'desk', `RADTEST${String(i).padStart(4, '0')}`, code(u, -1), code(u));
  return { v, advance: (s) => { now += s * 1000; }, code, nowMs: () => now };
}

/** Writes a clients file (mode 0600) and loads it. */
export function clients(dir: string, name: string, text: string): RadiusClients {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o600);
  return RadiusClients.load(path);
}

/** What radclient received: the reply code (null: no reply) and its attributes as printed. */
export interface RadclientResult { code: string | null; replyMessage: string | null; messageAuthenticator: string | null; output: string }

/**
 * Runs `radclient -x` once: `attributes` in radclient's syntax, e.g. `User-Name = alice, User-Password = 123456`.
 * Add `Message-Authenticator = 0x00` to have radclient sign the request (it does not by default).
 */
export function radclient(port: number, secret: string, attributes: string, o: { retries?: number; timeout?: number } = {}): Promise<RadclientResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('radclient', ['-x', '-r', String(o.retries ?? 1), '-t', String(o.timeout ?? 1), `127.0.0.1:${port}`, 'auth', secret],
      { timeout: 20_000 }, (err, stdout, stderr) => {
        const output = stdout + stderr;
        if (err && (err as { killed?: boolean }).killed) return reject(new Error(`radclient hung: ${output}`));
        const code = /Received (Access-\w+) Id/.exec(output)?.[1] ?? null;
        resolve({
          code, output,
          replyMessage: /Reply-Message = "([^"]*)"/.exec(output)?.[1] ?? null,
          messageAuthenticator: /Received[\s\S]*Message-Authenticator = (0x[0-9a-f]+)/.exec(output)?.[1] ?? null,
        });
      });
    child.stdin!.end(attributes + '\n');
  });
}

/**
 * A UDP relay in front of the server: requests go out through one fixed socket (so a client's
 * retransmission reaches the server from the same address and port, as from a NAS), and each reply
 * passes through `onReply`, which may return null to lose it or another buffer to alter it.
 */
export async function relay(serverPort: number, onReply: (reply: Buffer, n: number) => Buffer | null): Promise<{ port: number; requests: Buffer[]; close(): Promise<void> }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  const requests: Buffer[] = [];
  let client: RemoteInfo | undefined;
  let replies = 0;
  front.on('message', (m, from) => {
    client = from;
    requests.push(Buffer.from(m));
    back.send(m, serverPort, '127.0.0.1');
  });
  back.on('message', (m) => {
    const out = onReply(m, replies++);
    if (out && client) front.send(out, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
  return {
    port: front.address().port, requests,
    close: async () => {
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => back.close(() => r()));
    },
  };
}
