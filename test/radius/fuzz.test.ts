/**
 * 100,000 random and mutated packets through a real UDP socket at `hwtotp radius`'s server. The
 * mutations start from a valid Access-Request carrying the user's right code, never sent as it is
 * until the end, so any Access-Accept during the run would be a mutated packet accepted. Among them,
 * every 1000th packet is a valid request (an unknown user): only those may be answered, each with a
 * reject. The server must take every packet (none lost, none crashing it) and count each it drops.
 * Octets appended past the Length field are padding (RFC 2865 §3) and leave the packet what it was,
 * so the mutator does not merely append; codec.test.ts covers padding.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ATTR, CODE, decodePacket, encodePacket, hidePassword, listenRadius, messageAuthenticator, verifyResponse } from '@hwtotp/verifier/radius';
import { mulberry32 } from '../helpers/prng.ts';
import { clients, registry } from './helpers.ts';

const PACKETS = 100_000;
const PROBE_EVERY = 1000;
const BATCH = 500; // the server's socket buffer (4 MiB asked) holds far more than this
const SECRET = Buffer.from('fuzz-shared-secret-0123');
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-radius-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A signed Access-Request (Message-Authenticator last, as radclient places it). */
function request(id: number, user: string, code: string, authenticator = randomBytes(16)): Buffer {
  const b = encodePacket(CODE.AccessRequest, id, authenticator, [
    { type: ATTR.UserName, value: Buffer.from(user) },
    { type: ATTR.UserPassword, value: hidePassword(Buffer.from(code), SECRET, authenticator) },
    { type: 5, value: Buffer.from([0, 0, 0, 3]) }, // NAS-Port
    { type: ATTR.ProxyState, value: Buffer.from('proxy') },
    { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) },
  ]);
  messageAuthenticator(b, b.length - 16, SECRET).copy(b, b.length - 16);
  return b;
}

it(`stays up through ${PACKETS.toLocaleString('en-US')} random and mutated packets, answers only the valid ones, accepts none`, async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const reg = await registry(join(dir, 'r.db'), ['mallory']);
  reg.advance(30);
  const server = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'clients', `127.0.0.1 ${SECRET.toString()}\n`) });
  const base = request(200, 'mallory', reg.code('mallory'));

  const mutate = (): Buffer => {
    let b = Buffer.from(base);
    for (let k = 1 + int(3); k > 0; k--) {
      switch (int(6)) {
        case 0: b[int(b.length)]! ^= 1 << int(8); break; // one bit
        case 1: b[int(b.length)] = int(256); break; // one octet
        case 2: b = b.subarray(0, int(b.length)); break; // truncated
        case 3: if (b.length > 21) b[20 + 1 + 2 * int(4)] = int(256); break; // an attribute Length, roughly
        case 4: if (b.length > 4) b.writeUInt16BE(int(5000), 2); break; // the Length field
        default: { // an attribute inserted, Length fixed up
          const at = 20 + int(Math.max(1, b.length - 20));
          const attr = Buffer.from([int(256), 2 + int(20), ...bytes(int(20))]);
          b = Buffer.concat([b.subarray(0, at), attr, b.subarray(at)]);
          if (b.length >= 4) b.writeUInt16BE(Math.min(b.length, 65535), 2);
        }
      }
    }
    return b;
  };
  const random = (): Buffer => {
    const b = bytes(rnd() < 0.9 ? int(120) : int(5000));
    if (b.length >= 4 && rnd() < 0.5) { b[0] = CODE.AccessRequest; b.writeUInt16BE(b.length, 2); }
    return b;
  };

  const client = createSocket('udp4');
  const replies: Buffer[] = [];
  client.on('message', (m) => replies.push(m));
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const probes = new Map<number, Buffer>();
  let sent = 0;
  let mutatedSame = 0;
  const t0 = performance.now();
  try {
    while (sent < PACKETS) {
      for (let i = 0; i < BATCH && sent < PACKETS; i++, sent++) {
        let p: Buffer;
        if (sent % PROBE_EVERY === PROBE_EVERY - 1) {
          p = request(probes.size % 200, 'nobody', '123456');
          probes.set(probes.size, p);
        } else if (sent % 2 === 0) {
          p = random();
        } else {
          p = mutate();
          if (p.equals(base)) { mutatedSame++; p = random(); }
        }
        client.send(p, server.port, '127.0.0.1');
      }
      // Let the server take this batch before the next: a full socket buffer would lose packets.
      const deadline = performance.now() + 2000;
      while (server.stats.received < sent && performance.now() < deadline) await new Promise((r) => setImmediate(r));
    }
    const fuzzSeconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 200));
    const s = server.stats;
    const context = `seed ${seed}: ${JSON.stringify(s)}`;
    expect(s.received, context).toBe(PACKETS);
    expect(s.accepted, context).toBe(0);
    expect(replies.every((r) => decodePacket(r).code === CODE.AccessReject), context).toBe(true);
    expect(replies.length, context).toBe(probes.size);
    expect(s.rejected, context).toBe(probes.size);
    const dropped = Object.values(s.dropped).reduce((a, b) => a + (b ?? 0), 0);
    expect(dropped + probes.size, context).toBe(PACKETS);
    // Each kind of malformation the issue names was met and counted.
    for (const kind of ['bad-length', 'attribute-overrun', 'too-long', 'bad-message-authenticator']) expect(s.dropped[kind as 'bad-length'], `${kind}; ${context}`).toBeGreaterThan(0);
    console.log(`radius fuzz (seed ${seed}): ${PACKETS} packets in ${fuzzSeconds.toFixed(1)} s; dropped ${JSON.stringify(s.dropped)}; ${mutatedSame} mutations came out unchanged and were replaced`);

    // The base packet itself is good: sent as it is, it is accepted.
    replies.length = 0;
    client.send(base, server.port, '127.0.0.1');
    const until = performance.now() + 5000;
    while (replies.length === 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toHaveLength(1);
    expect(decodePacket(replies[0]!).code).toBe(CODE.AccessAccept);
    expect(verifyResponse(replies[0]!, base.subarray(4, 20), SECRET)).toBe(true);
  } finally {
    client.close();
    await server.close();
    await reg.v.close();
  }
});
