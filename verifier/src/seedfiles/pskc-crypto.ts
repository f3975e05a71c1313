/**
 * The cryptography of PSKC key protection, on node:crypto:
 * - XML Encryption CBC ciphers (RFC 6030 §6.1): the IV is the first block of the CipherValue,
 *   PKCS #7 padding;
 * - the ValueMAC (RFC 6030 §6.1.1): HMAC over IV || ciphertext with the MAC key from MACMethod;
 * - PBKDF2 key derivation from a password (RFC 6030 §6.2, PKCS #5 v2.0).
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CBC_ALGORITHMS } from './pskc-names.ts';

/** Thrown when CBC decryption fails (bad padding): the caller reports a wrong key or a tampered file. */
export class DecryptFailed extends Error {}

/** Decrypts an XML Encryption CBC CipherValue (IV || ciphertext). */
export function cbcDecrypt(algorithmUri: string, key: Uint8Array, ivAndCiphertext: Uint8Array): Uint8Array {
  const alg = CBC_ALGORITHMS[algorithmUri]!;
  if (key.length !== alg.keyLength) throw new DecryptFailed('key length');
  if (ivAndCiphertext.length < 32 || ivAndCiphertext.length % 16 !== 0) throw new DecryptFailed('length');
  const decipher = createDecipheriv(alg.cipher, key, ivAndCiphertext.subarray(0, 16));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ivAndCiphertext.subarray(16)), decipher.final()]));
  } catch {
    throw new DecryptFailed('padding');
  }
}

/** Encrypts with a fresh random IV, returning IV || ciphertext as XML Encryption stores it. */
export function cbcEncrypt(algorithmUri: string, key: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = randomBytes(16)): Uint8Array {
  const alg = CBC_ALGORITHMS[algorithmUri]!;
  const cipher = createCipheriv(alg.cipher, key, iv);
  return new Uint8Array(Buffer.concat([iv, cipher.update(plaintext), cipher.final()]));
}

/** HMAC(key, data) with a node:crypto hash name. */
export function hmac(hash: string, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, key).update(data).digest());
}

/** Compares a MAC in constant time (the lengths are public). */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** PBKDF2 (PKCS #5 v2.0 §5.2). */
export function pbkdf2(password: string, salt: Uint8Array, iterations: number, keyLength: number, prf: string): Uint8Array {
  return new Uint8Array(pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, prf));
}
