/**
 * Base32, RFC 4648 §6, as authenticator secrets use it: decoding is case-insensitive, padding is
 * optional, and spaces and dashes (as printed on token cards) are ignored. The codec itself is
 * @scure/base's; this file adds the lenient input rules and errors that name the position of a bad
 * character but never the character: the text is a secret, and an error may reach a log.
 */
import { base32 as scure } from '@scure/base';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Encodes bytes as upper-case base32 without padding (the form otpauth:// URIs use). */
export function base32Encode(bytes: Uint8Array): string {
  return scure.encode(bytes).replace(/=+$/, '');
}

/**
 * Decodes base32 text.
 * @throws RangeError naming the position of the first bad character (never the character), or a
 *   length no encoder makes.
 */
export function base32Decode(text: string): Uint8Array {
  let clean = '';
  let pad = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === ' ' || c === '-' || c === '\t') continue;
    if (c === '=') { pad = true; continue; }
    const u = c.toUpperCase();
    if (ALPHABET.indexOf(u) < 0 || pad) {
      throw new RangeError('base32 has a bad character at position ' + i);
    }
    clean += u;
  }
  const rem = clean.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) {
    throw new RangeError('base32 length ' + clean.length + ' is not a whole number of bytes');
  }
  const padded = clean + '========'.substring(0, rem === 0 ? 0 : 8 - rem);
  try {
    return scure.decode(padded);
  } catch {
    throw new RangeError('base32 has non-zero trailing bits: it is truncated or mistyped');
  }
}
