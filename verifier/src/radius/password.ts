/**
 * User-Password hiding (RFC 2865 §5.2): the password, padded with NULs to a multiple of 16 octets,
 * is XORed block by block with MD5(secret + previous block), the first "previous block" being the
 * Request Authenticator.
 */
import { createHash } from 'node:crypto';
import { MalformedPacket } from './packet.ts';

/** §5.2: the hidden value is 16 to 128 octets, a multiple of 16. */
export const MAX_PASSWORD_LENGTH = 128;
const BLOCK = 16;

function xorBlocks(input: Buffer, secret: Buffer, authenticator: Buffer, hiding: boolean): Buffer {
  const out = Buffer.alloc(input.length);
  let previous = authenticator;
  for (let at = 0; at < input.length; at += BLOCK) {
    const b = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < BLOCK; i++) out[at + i] = input[at + i]! ^ b[i]!;
    // c(i) feeds the next block: the output when hiding, the input when revealing.
    previous = hiding ? out.subarray(at, at + BLOCK) : input.subarray(at, at + BLOCK);
  }
  return out;
}

/** Hides a password for an Access-Request (what a client does; tests and the bench use it). */
export function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError(`password of ${password.length} octets, over ${MAX_PASSWORD_LENGTH}`);
  const padded = Buffer.alloc(Math.max(BLOCK, Math.ceil(password.length / BLOCK) * BLOCK));
  password.copy(padded);
  return xorBlocks(padded, secret, authenticator, true);
}

/**
 * Reveals a hidden password, its NUL padding removed. Throws MalformedPacket 'password-length' when
 * the value is not 16 to 128 octets in whole blocks.
 */
export function revealPassword(hidden: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  if (hidden.length < BLOCK || hidden.length > MAX_PASSWORD_LENGTH || hidden.length % BLOCK !== 0) {
    throw new MalformedPacket('password-length', `User-Password of ${hidden.length} octets is not 16 to 128 in blocks of 16`);
  }
  const padded = xorBlocks(hidden, secret, authenticator, false);
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  return padded.subarray(0, end);
}
