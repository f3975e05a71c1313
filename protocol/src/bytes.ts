/**
 * Byte helpers shared by both ends. Written by hand, not imported, because they are compiled into
 * the firmware and must stay ES5 and tiny.
 */

const HEX = '0123456789abcdef';

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    s += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

/**
 * fromHex without its checks, for hex already known good: PROVISION's checked secret and the
 * token's own CRC-checked record. Spares the firmware a check that cannot fail there.
 */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < hex.length; i += 2) {
    out[i / 2] = (HEX.indexOf(hex.charAt(i).toLowerCase()) << 4) | HEX.indexOf(hex.charAt(i + 1).toLowerCase());
  }
  return out;
}

/**
 * Parses hex (either case) into bytes.
 * @throws RangeError naming the position of the first bad character, or an odd length.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError('hex must have an even length, got ' + hex.length + ' characters');
  for (let i = 0; i < hex.length; i++) {
    if (HEX.indexOf(hex.charAt(i).toLowerCase()) < 0) throw new RangeError('hex has a bad character at position ' + i);
  }
  return hexToBytes(hex);
}

/** Bytes of a string whose characters are all below 256 (ASCII labels, wire text). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

/** A new array holding a then b. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Compares two strings in time that depends only on their lengths, never on where they differ.
 * Used for codes, MACs and check values.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = a.length > b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** Whether x is an integer (Espruino lacks Number.isInteger). */
export function isInteger(x: unknown): x is number {
  return typeof x === 'number' && isFinite(x) && Math.floor(x) === x;
}
