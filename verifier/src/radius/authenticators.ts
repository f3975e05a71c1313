/**
 * The two integrity checks of a RADIUS exchange:
 * - the Response Authenticator (RFC 2865 §3): MD5(Code + Identifier + Length + Request
 *   Authenticator + Attributes + Secret), which binds a reply to its request;
 * - the Message-Authenticator attribute (RFC 3579 §3.2): HMAC-MD5 keyed with the secret over the
 *   whole packet with the attribute's own value zeroed, the Request Authenticator standing in the
 *   Authenticator field of a reply. It is what BlastRADIUS (CVE-2024-3596) cannot forge, where the
 *   MD5 Response Authenticator alone falls to a chosen-prefix collision.
 * Comparisons are constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ATTR, AUTHENTICATOR_LENGTH, AUTHENTICATOR_OFFSET, MIN_LENGTH, MalformedPacket, type Packet } from './packet.ts';

/** The Message-Authenticator value is 16 octets (attribute Length 18). */
export const MESSAGE_AUTHENTICATOR_LENGTH = 16;

/** HMAC-MD5 of a packet whose Message-Authenticator value (at valueOffset) is taken as zeros. */
export function messageAuthenticator(packet: Buffer, valueOffset: number, secret: Buffer): Buffer {
  const zeroed = Buffer.from(packet);
  zeroed.fill(0, valueOffset, valueOffset + MESSAGE_AUTHENTICATOR_LENGTH);
  return createHmac('md5', secret).update(zeroed).digest();
}

/**
 * The request's Message-Authenticator: 'absent', 'valid' or 'invalid'. More than one, or one that
 * is not 16 octets, is malformed (RFC 3579 §3.2 allows at most one, of Length 18).
 */
export function checkRequestMessageAuthenticator(p: Packet, secret: Buffer): 'absent' | 'valid' | 'invalid' {
  const found = p.attributes.filter((a) => a.type === ATTR.MessageAuthenticator);
  if (found.length === 0) return 'absent';
  if (found.length > 1) throw new MalformedPacket('bad-attribute', `${found.length} Message-Authenticators, at most 1 allowed`);
  const ma = found[0]!;
  if (ma.value.length !== MESSAGE_AUTHENTICATOR_LENGTH) throw new MalformedPacket('bad-attribute', `Message-Authenticator of ${ma.value.length} octets, not 16`);
  const expected = messageAuthenticator(p.bytes, ma.offset, secret);
  return timingSafeEqual(expected, ma.value) ? 'valid' : 'invalid';
}

/** Writes the Response Authenticator into a reply whose Authenticator field holds the Request Authenticator. */
export function sealResponse(reply: Buffer, secret: Buffer): void {
  const digest = createHash('md5').update(reply).update(secret).digest();
  digest.copy(reply, AUTHENTICATOR_OFFSET, 0, AUTHENTICATOR_LENGTH);
}

/** Whether a reply's Response Authenticator is right for the request's authenticator (for clients and tests). */
export function verifyResponse(reply: Buffer, requestAuthenticator: Buffer, secret: Buffer): boolean {
  if (reply.length < MIN_LENGTH) return false;
  const copy = Buffer.from(reply);
  requestAuthenticator.copy(copy, AUTHENTICATOR_OFFSET);
  const digest = createHash('md5').update(copy).update(secret).digest();
  return timingSafeEqual(digest, reply.subarray(AUTHENTICATOR_OFFSET, MIN_LENGTH));
}
