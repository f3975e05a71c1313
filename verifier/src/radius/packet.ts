/**
 * The RADIUS packet (RFC 2865 §3): Code, Identifier, Length, a 16-octet Authenticator, then
 * attributes of Type, Length, Value (RFC 2865 §5). Decoding checks every length before reading it,
 * so a malformed packet is a MalformedPacket naming what is wrong, never a crash or a silent repair.
 */

/** Packet codes we read or write (RFC 2865 §3, §4). */
export const CODE = { AccessRequest: 1, AccessAccept: 2, AccessReject: 3, AccessChallenge: 11 } as const;

/** Attribute types we read or write (RFC 2865 §5; RFC 3579 §3.2 for Message-Authenticator). */
export const ATTR = {
  UserName: 1, UserPassword: 2, ReplyMessage: 18, State: 24, ProxyState: 33, MessageAuthenticator: 80,
} as const;

/** RFC 2865 §3: "The minimum length is 20 and maximum length is 4096." */
export const MIN_LENGTH = 20;
export const MAX_LENGTH = 4096;
/** Header size: Code, Identifier, Length (4 octets) and the Authenticator (16). */
export const AUTHENTICATOR_OFFSET = 4;
export const AUTHENTICATOR_LENGTH = 16;
/** RFC 2865 §5: an attribute's Length counts its 2-octet header; Value is at most 253 octets. */
export const MAX_VALUE_LENGTH = 253;

/** What is wrong with a malformed packet: the counter it is dropped under. */
export type MalformedKind =
  | 'too-long' // the datagram is over 4096 octets
  | 'bad-length' // the Length field is under 20, over 4096, or more than the datagram holds
  | 'attribute-overrun' // an attribute's Length is under 2 or runs past the packet's Length
  | 'password-length' // User-Password not a multiple of 16 octets from 16 to 128 (RFC 2865 §5.2)
  | 'bad-attribute'; // a required attribute missing or repeated, or one of fixed size with another size

/** A packet that must be silently discarded (RFC 2865 §3), with why. */
export class MalformedPacket extends Error {
  override name = 'MalformedPacket';
  constructor(readonly kind: MalformedKind, message: string) {
    // Junk arrives by the thousand and is only counted: capturing a stack trace for each was most
    // of the cost of dropping it (measured in the fuzz test's profile), so none is taken.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** One attribute as received; `offset` is where its Value starts in the packet. */
export interface Attribute { type: number; value: Buffer; offset: number }

/** A decoded packet. `bytes` is the packet up to its Length (octets past it are padding, §3). */
export interface Packet {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes: Attribute[];
  bytes: Buffer;
}

/** Decodes a datagram; throws MalformedPacket. */
export function decodePacket(datagram: Buffer): Packet {
  if (datagram.length > MAX_LENGTH) throw new MalformedPacket('too-long', `datagram of ${datagram.length} octets, over ${MAX_LENGTH}`);
  if (datagram.length < MIN_LENGTH) throw new MalformedPacket('bad-length', `datagram of ${datagram.length} octets, under ${MIN_LENGTH}`);
  const length = datagram.readUInt16BE(2);
  if (length < MIN_LENGTH || length > MAX_LENGTH) throw new MalformedPacket('bad-length', `Length field ${length} outside ${MIN_LENGTH}-${MAX_LENGTH}`);
  // §3: "If the packet is shorter than the Length field indicates, it MUST be silently discarded."
  if (length > datagram.length) throw new MalformedPacket('bad-length', `Length field ${length} but only ${datagram.length} octets arrived`);
  const bytes = datagram.subarray(0, length);
  const attributes: Attribute[] = [];
  let at = MIN_LENGTH;
  while (at < length) {
    if (at + 2 > length) throw new MalformedPacket('attribute-overrun', `attribute header at octet ${at} runs past Length ${length}`);
    const type = bytes[at]!;
    const attrLength = bytes[at + 1]!;
    if (attrLength < 2) throw new MalformedPacket('attribute-overrun', `attribute ${type} at octet ${at} has Length ${attrLength}, under 2`);
    if (at + attrLength > length) throw new MalformedPacket('attribute-overrun', `attribute ${type} at octet ${at} (Length ${attrLength}) runs past Length ${length}`);
    attributes.push({ type, value: bytes.subarray(at + 2, at + attrLength), offset: at + 2 });
    at += attrLength;
  }
  return { code: bytes[0]!, identifier: bytes[1]!, authenticator: bytes.subarray(AUTHENTICATOR_OFFSET, MIN_LENGTH), attributes, bytes };
}

/** Encodes a packet with the given Authenticator field (the caller computes the real one after). */
export function encodePacket(code: number, identifier: number, authenticator: Buffer, attributes: { type: number; value: Buffer }[]): Buffer {
  let length = MIN_LENGTH;
  for (const a of attributes) {
    if (a.value.length > MAX_VALUE_LENGTH) throw new RangeError(`attribute ${a.type}: value of ${a.value.length} octets, over ${MAX_VALUE_LENGTH}`);
    length += 2 + a.value.length;
  }
  if (length > MAX_LENGTH) throw new RangeError(`packet of ${length} octets, over ${MAX_LENGTH}`);
  const out = Buffer.alloc(length);
  out[0] = code;
  out[1] = identifier;
  out.writeUInt16BE(length, 2);
  authenticator.copy(out, AUTHENTICATOR_OFFSET, 0, AUTHENTICATOR_LENGTH);
  let at = MIN_LENGTH;
  for (const a of attributes) {
    out[at] = a.type;
    out[at + 1] = 2 + a.value.length;
    a.value.copy(out, at + 2);
    at += 2 + a.value.length;
  }
  return out;
}

/** The attributes of a type. */
export function attributesOf(p: Packet, type: number): Attribute[] {
  return p.attributes.filter((a) => a.type === type);
}
