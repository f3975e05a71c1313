/**
 * Building a reply (RFC 2865 §4.2-4.4): Message-Authenticator first among the attributes (so a
 * BlastRADIUS forger cannot hide a collision block before it; RFC 3579 §3.2 computes it with the
 * Request Authenticator in place), then the Reply-Message, then every Proxy-State of the request,
 * copied unmodified and in order (RFC 2865 §5.33). The Response Authenticator is computed last,
 * over the packet with the Message-Authenticator filled in.
 */
import { MESSAGE_AUTHENTICATOR_LENGTH, messageAuthenticator, sealResponse } from './authenticators.ts';
import { ATTR, MAX_VALUE_LENGTH, MIN_LENGTH, attributesOf, encodePacket, type Packet } from './packet.ts';

/** The reply to request `request`: Access-Accept, -Reject or -Challenge with an optional message. */
export function buildReply(request: Packet, code: number, message: string | null, secret: Buffer): Buffer {
  const attributes: { type: number; value: Buffer }[] = [{ type: ATTR.MessageAuthenticator, value: Buffer.alloc(MESSAGE_AUTHENTICATOR_LENGTH) }];
  if (message !== null && message !== '') attributes.push({ type: ATTR.ReplyMessage, value: replyMessage(message) });
  for (const ps of attributesOf(request, ATTR.ProxyState)) attributes.push({ type: ATTR.ProxyState, value: ps.value });
  const reply = encodePacket(code, request.identifier, request.authenticator, attributes);
  // The first attribute's value starts right after the header and its own Type and Length octets.
  messageAuthenticator(reply, MIN_LENGTH + 2, secret).copy(reply, MIN_LENGTH + 2);
  sealResponse(reply, secret);
  return reply;
}

/** A Reply-Message value (RFC 2865 §5.18: text, 1 to 253 octets): UTF-8, cut at a character boundary. */
function replyMessage(text: string): Buffer {
  let b = Buffer.from(text, 'utf8');
  if (b.length <= MAX_VALUE_LENGTH) return b;
  let end = MAX_VALUE_LENGTH;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  b = b.subarray(0, end);
  return b;
}
