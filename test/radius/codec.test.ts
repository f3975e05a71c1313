/**
 * The RADIUS codec against RFC 2865 §7.1 (the worked Access-Request / Access-Accept exchange,
 * shared secret "xyzzy5461", password "arctangent"), and each malformed shape it must refuse.
 * RFC 3579 gives no Message-Authenticator vector; radclient checks ours in radclient.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATTR, CODE, MalformedPacket, buildReply, checkRequestMessageAuthenticator, decodePacket, encodePacket, hidePassword,
  messageAuthenticator, revealPassword, verifyResponse,
} from '@hwtotp/verifier/radius';
import { papRequest } from '../../verifier/src/radius/request.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SECRET = Buffer.from('xyzzy5461');
// RFC 2865 §7.1: NAS 192.168.1.16 port 3, User-Name "nemo", User-Password "arctangent".
const REQUEST = hex(`01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a
  01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03`);
const ACCEPT = hex(`02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2
  06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03`);

const malformed = (b: Buffer) => {
  try {
    decodePacket(b);
  } catch (e) {
    expect(e).toBeInstanceOf(MalformedPacket);
    return (e as MalformedPacket).kind;
  }
  return 'decoded';
};

describe('RFC 2865 §7.1 vectors', () => {
  it('decodes the Access-Request and reveals "arctangent"', () => {
    const p = decodePacket(REQUEST);
    expect(p.code).toBe(CODE.AccessRequest);
    expect(p.attributes.map((a) => a.type)).toEqual([1, 2, 4, 5]);
    expect(papRequest(p, SECRET)).toEqual({ user: 'nemo', code: 'arctangent' });
    expect(revealPassword(p.attributes[1]!.value, SECRET, p.authenticator).toString()).toBe('arctangent');
  });

  it('hides "arctangent" to the RFC octets', () => {
    expect(hidePassword(Buffer.from('arctangent'), SECRET, REQUEST.subarray(4, 20))).toEqual(REQUEST.subarray(28, 44));
  });

  it('verifies the Response Authenticator of the Access-Accept, and not with another secret', () => {
    expect(verifyResponse(ACCEPT, REQUEST.subarray(4, 20), SECRET)).toBe(true);
    expect(verifyResponse(ACCEPT, REQUEST.subarray(4, 20), Buffer.from('xyzzy5462'))).toBe(false);
  });

  it('encodes the Access-Accept octet for octet', () => {
    const p = decodePacket(ACCEPT);
    const again = encodePacket(p.code, p.identifier, REQUEST.subarray(4, 20), p.attributes);
    expect(verifyResponse(again, REQUEST.subarray(4, 20), SECRET)).toBe(false); // not sealed yet
    createHash('md5').update(again).update(SECRET).digest().copy(again, 4);
    expect(again).toEqual(ACCEPT);
  });
});

describe('User-Password (RFC 2865 §5.2)', () => {
  it('round-trips passwords of 1 to 128 octets across block boundaries', () => {
    const auth = hex('00112233445566778899aabbccddeeff');
    for (const n of [1, 15, 16, 17, 31, 32, 33, 127, 128]) {
      const pw = Buffer.from('7'.repeat(n));
      const hidden = hidePassword(pw, SECRET, auth);
      expect(hidden.length % 16).toBe(0);
      expect(revealPassword(hidden, SECRET, auth)).toEqual(pw);
    }
  });
  it('refuses a hidden value that is not whole 16-octet blocks of 16 to 128', () => {
    const auth = Buffer.alloc(16);
    for (const n of [0, 1, 15, 17, 31, 144]) {
      expect(() => revealPassword(Buffer.alloc(n), SECRET, auth)).toThrow(expect.objectContaining({ kind: 'password-length' }));
    }
  });
  it('reports a password revealed with the wrong secret as undecodable', () => {
    const auth = hex('0f403f9473978057bd83d5cb98f4227a');
    const p = decodePacket(encodePacket(1, 9, auth, [
      { type: ATTR.UserName, value: Buffer.from('alice') },
      { type: ATTR.UserPassword, value: hidePassword(Buffer.from('123456'), Buffer.from('right-secret'), auth) },
    ]));
    expect(papRequest(p, Buffer.from('right-secret'))).toEqual({ user: 'alice', code: '123456' });
    expect(papRequest(p, Buffer.from('wrong-secret'))).toBe('undecodable');
  });
});

describe('malformed packets are refused, each by kind', () => {
  const ok = encodePacket(1, 1, Buffer.alloc(16), [{ type: ATTR.UserName, value: Buffer.from('alice') }]);
  it('a datagram over 4096 octets', () => expect(malformed(Buffer.concat([ok, Buffer.alloc(4097 - ok.length)]))).toBe('too-long'));
  it('a datagram under 20 octets', () => expect(malformed(ok.subarray(0, 19))).toBe('bad-length'));
  it('a Length field under 20, over 4096, or over the datagram', () => {
    for (const len of [0, 19, 4097, 65535, ok.length + 1]) {
      const b = Buffer.from(ok);
      b.writeUInt16BE(len, 2);
      expect(malformed(b)).toBe('bad-length');
    }
  });
  it('octets past the Length field are padding, ignored (RFC 2865 §3)', () => {
    const p = decodePacket(Buffer.concat([ok, Buffer.from([1, 200, 9])]));
    expect(p.bytes).toEqual(ok);
    expect(p.attributes).toHaveLength(1);
  });
  it('an attribute Length under 2 or running past the packet', () => {
    for (const attrLen of [0, 1, 8, 255]) {
      const b = Buffer.from(ok);
      b[21] = attrLen;
      expect(malformed(b)).toBe('attribute-overrun');
    }
    const half = Buffer.concat([ok, Buffer.from([18])]);
    half.writeUInt16BE(half.length, 2);
    expect(malformed(half)).toBe('attribute-overrun');
  });
  it('a repeated User-Name, an empty or non-UTF-8 one', () => {
    const twice = decodePacket(encodePacket(1, 1, Buffer.alloc(16), [{ type: 1, value: Buffer.from('a') }, { type: 1, value: Buffer.from('b') }]));
    expect(() => papRequest(twice, SECRET)).toThrow(expect.objectContaining({ kind: 'bad-attribute' }));
    for (const v of [Buffer.alloc(0), Buffer.from([0xc3, 0x28])]) {
      const p = decodePacket(encodePacket(1, 1, Buffer.alloc(16), [{ type: 1, value: v }]));
      expect(() => papRequest(p, SECRET)).toThrow(expect.objectContaining({ kind: 'bad-attribute' }));
    }
  });
});

describe('Message-Authenticator (RFC 3579 §3.2)', () => {
  const auth = hex('5a1fe3b2c4d5e6f708192a3b4c5d6e7f');
  const signed = (secret: Buffer) => {
    const b = encodePacket(1, 7, auth, [{ type: ATTR.UserName, value: Buffer.from('bob') }, { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) }]);
    messageAuthenticator(b, 27, secret).copy(b, 27);
    return b;
  };
  it('verifies with the secret, and not with another, nor after any one-bit change', () => {
    const b = signed(SECRET);
    expect(checkRequestMessageAuthenticator(decodePacket(b), SECRET)).toBe('valid');
    expect(checkRequestMessageAuthenticator(decodePacket(b), Buffer.from('other'))).toBe('invalid');
    for (let i = 0; i < b.length * 8; i++) {
      const m = Buffer.from(b);
      m[i >> 3]! ^= 1 << (i & 7);
      let verdict: string;
      try {
        verdict = checkRequestMessageAuthenticator(decodePacket(m), SECRET);
      } catch (e) {
        verdict = (e as MalformedPacket).kind;
      }
      expect(verdict, `bit ${i}`).not.toBe('valid');
    }
  });
  it('is absent when not sent, and two of them or a short one are malformed', () => {
    expect(checkRequestMessageAuthenticator(decodePacket(encodePacket(1, 1, auth, [])), SECRET)).toBe('absent');
    const two = encodePacket(1, 1, auth, [{ type: 80, value: Buffer.alloc(16) }, { type: 80, value: Buffer.alloc(16) }]);
    expect(() => checkRequestMessageAuthenticator(decodePacket(two), SECRET)).toThrow(expect.objectContaining({ kind: 'bad-attribute' }));
    const short = encodePacket(1, 1, auth, [{ type: 80, value: Buffer.alloc(15) }]);
    expect(() => checkRequestMessageAuthenticator(decodePacket(short), SECRET)).toThrow(expect.objectContaining({ kind: 'bad-attribute' }));
  });
  it('a reply carries it first, computed over the Request Authenticator, with the Proxy-States copied', () => {
    const req = decodePacket(encodePacket(1, 42, auth, [
      { type: ATTR.UserName, value: Buffer.from('bob') }, { type: ATTR.ProxyState, value: Buffer.from('p1') }, { type: ATTR.ProxyState, value: Buffer.from('p2') },
    ]));
    const reply = buildReply(req, CODE.AccessReject, 'wrong code', SECRET);
    const p = decodePacket(reply);
    expect(p.identifier).toBe(42);
    expect(p.attributes.map((a) => a.type)).toEqual([ATTR.MessageAuthenticator, ATTR.ReplyMessage, ATTR.ProxyState, ATTR.ProxyState]);
    expect(p.attributes[1]!.value.toString()).toBe('wrong code');
    expect(p.attributes.slice(2).map((a) => a.value.toString())).toEqual(['p1', 'p2']);
    expect(verifyResponse(reply, auth, SECRET)).toBe(true);
    const withRequestAuth = Buffer.from(reply);
    auth.copy(withRequestAuth, 4);
    expect(messageAuthenticator(withRequestAuth, 22, SECRET)).toEqual(p.attributes[0]!.value);
  });
});
