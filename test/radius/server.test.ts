/**
 * The server's own decisions, with raw packets: a retransmission arriving while its check is still
 * running waits for the same reply (one check, one audit row); a request without User-Name or
 * User-Password is rejected with a reason; a check that fails on the server's side is a fault
 * (reported, answered "server error"), not a crash; a packet that is not an Access-Request is dropped.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VerifierError } from '@hwtotp/verifier';
import {
  ATTR, CODE, decodePacket, encodePacket, hidePassword, listenRadius, messageAuthenticator, verifyResponse, type RunningRadius,
} from '@hwtotp/verifier/radius';
import { clients, registry, type Registry } from './helpers.ts';

const SECRET = Buffer.from('server-test-secret-0123');
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-radius-server-'));
let reg: Registry;
let server: RunningRadius;

beforeAll(async () => {
  reg = await registry(join(dir, 'r.db'), ['frank']);
  server = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'clients', `127.0.0.1 ${SECRET.toString()}\n`) });
});
afterAll(async () => {
  await server?.close();
  await reg?.v.close();
  rmSync(dir, { recursive: true, force: true });
});

function signed(code: number, attrs: { type: number; value: Buffer }[], id = 1): Buffer {
  const auth = randomBytes(16);
  const withPassword = attrs.map((a) => (a.type === ATTR.UserPassword ? { type: a.type, value: hidePassword(a.value, SECRET, auth) } : a));
  const b = encodePacket(code, id, auth, [...withPassword, { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) }]);
  messageAuthenticator(b, b.length - 16, SECRET).copy(b, b.length - 16);
  return b;
}

/** Sends each packet from one socket at once; collects the replies for `ms`. */
async function exchange(port: number, packets: Buffer[], ms = 400): Promise<Buffer[]> {
  const s = createSocket('udp4');
  const replies: Buffer[] = [];
  s.on('message', (m) => replies.push(m));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (const p of packets) s.send(p, port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, ms));
  s.close();
  return replies;
}

it('a retransmission during the check gets the same Access-Accept; the code is checked once', async () => {
  reg.advance(30);
  const p = signed(CODE.AccessRequest, [{ type: ATTR.UserName, value: Buffer.from('frank') }, { type: ATTR.UserPassword, value: Buffer.from(reg.code('frank')) }]);
  const before = (await reg.v.audit({ user: 'frank', action: 'check' })).length;
  const replies = await exchange(server.port, [p, p, p]);
  expect(replies).toHaveLength(3);
  for (const r of replies) {
    expect(r).toEqual(replies[0]);
    expect(decodePacket(r).code).toBe(CODE.AccessAccept);
    expect(verifyResponse(r, p.subarray(4, 20), SECRET)).toBe(true);
  }
  expect(server.stats.retransmissions).toBe(2);
  expect((await reg.v.audit({ user: 'frank', action: 'check' })).length).toBe(before + 1);
});

it('rejects a request without User-Password or User-Name, saying why', async () => {
  const noPassword = signed(CODE.AccessRequest, [{ type: ATTR.UserName, value: Buffer.from('frank') }], 2);
  const noUser = signed(CODE.AccessRequest, [{ type: ATTR.UserPassword, value: Buffer.from('123456') }], 3);
  const replies = await exchange(server.port, [noPassword, noUser]);
  const messages = replies.map((r) => decodePacket(r)).map((d) => [d.code, d.attributes.find((a) => a.type === ATTR.ReplyMessage)?.value.toString()]);
  expect(messages.sort()).toEqual([[CODE.AccessReject, 'no User-Name'], [CODE.AccessReject, 'only PAP (User-Password) is supported']].sort());
});

it('drops a packet that is not an Access-Request, even a signed one', async () => {
  const before = server.stats.dropped['not-access-request'] ?? 0;
  const replies = await exchange(server.port, [signed(CODE.AccessAccept, [], 4), signed(4 /* Accounting-Request */, [], 5)]);
  expect(replies).toHaveLength(0);
  expect(server.stats.dropped['not-access-request']).toBe(before + 2);
});

it('a server-side failure is reported and answered "server error"; a crash in check is reported and silent; the server goes on', async () => {
  const faults: string[] = [];
  let mode: 'corrupt' | 'crash' = 'corrupt';
  const s = await listenRadius({
    port: 0, clients: clients(dir, 'c2', `127.0.0.1 ${SECRET.toString()}\n`), onFault: (e) => faults.push(e.name),
    verifier: { check: async () => { throw mode === 'corrupt' ? new VerifierError('CorruptRecord', 'the seed does not decrypt') : new TypeError('boom'); } },
  });
  try {
    const ask = () => signed(CODE.AccessRequest, [{ type: ATTR.UserName, value: Buffer.from('x') }, { type: ATTR.UserPassword, value: Buffer.from('123456') }]);
    const r1 = await exchange(s.port, [ask()]);
    expect(r1).toHaveLength(1);
    expect(decodePacket(r1[0]!).attributes.find((a) => a.type === ATTR.ReplyMessage)?.value.toString()).toBe('server error; try again later');
    mode = 'crash';
    expect(await exchange(s.port, [ask()])).toHaveLength(0);
    mode = 'corrupt';
    expect(await exchange(s.port, [ask()])).toHaveLength(1);
    expect(faults).toEqual(['CorruptRecord', 'TypeError', 'CorruptRecord']);
  } finally {
    await s.close();
  }
});

it('drops and counts a signed request whose User-Password is not whole 16-octet blocks', async () => {
  const auth = randomBytes(16);
  for (const n of [15, 17, 0]) {
    const b = encodePacket(CODE.AccessRequest, 9, auth, [
      { type: ATTR.UserName, value: Buffer.from('frank') }, { type: ATTR.UserPassword, value: randomBytes(n) },
      { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) },
    ]);
    messageAuthenticator(b, b.length - 16, SECRET).copy(b, b.length - 16);
    expect(await exchange(server.port, [b], 200)).toHaveLength(0);
  }
  expect(server.stats.dropped['password-length']).toBe(3);
});

it('a code in the auto-resync band gets an Access-Challenge asking for the next code; the next code is accepted', async () => {
  // frank's token now shows a code 5 steps ahead: outside the sign-in window, inside the auto-resync band.
  reg.advance(120);
  const request = (code: string, id: number) =>
    signed(CODE.AccessRequest, [{ type: ATTR.UserName, value: Buffer.from('frank') }, { type: ATTR.UserPassword, value: Buffer.from(code) }], id);
  const first = request(reg.code('frank', 5), 20);
  const [challenge] = await exchange(server.port, [first]);
  const c = decodePacket(challenge!);
  expect(c.code).toBe(CODE.AccessChallenge);
  expect(c.attributes[0]!.type).toBe(ATTR.MessageAuthenticator);
  expect(verifyResponse(challenge!, first.subarray(4, 20), SECRET)).toBe(true);
  expect(c.attributes.find((a) => a.type === ATTR.ReplyMessage)?.value.toString()).toMatch(/next code required/);
  expect(server.stats.challenged).toBeGreaterThanOrEqual(1);
  reg.advance(30);
  const [accept] = await exchange(server.port, [request(reg.code('frank', 5), 21)]);
  expect(decodePacket(accept!).code).toBe(CODE.AccessAccept);
  const [replay] = await exchange(server.port, [request(reg.code('frank', 5), 22)]);
  expect(decodePacket(replay!).code).toBe(CODE.AccessReject);
});
