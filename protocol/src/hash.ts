/**
 * The hash algorithms HOTP/TOTP may use (RFC 6238 §1.2 names SHA-1, SHA-256 and SHA-512),
 * and the shape of the HMAC function every caller passes in.
 *
 * The HMAC is injected rather than imported so the firmware can build it over the board's
 * native hash (see hmac.ts) while the verifier uses a fast host path.
 */

/** A hash algorithm name as it appears on the wire, in PSKC and in the registry. */
export type HashAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** Every algorithm, in the order of preference used by documentation and CLI help. */
export const HASH_ALGORITHMS: HashAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];

/** Whether s names an algorithm exactly as the wire, PSKC and the registry spell it. */
export function isAlgorithm(s: unknown): s is HashAlgorithm {
  return s === 'SHA1' || s === 'SHA256' || s === 'SHA512';
}

/** Block length in bytes of each hash, as RFC 2104 §2 needs it. */
export const BLOCK_LENGTH: { [alg: string]: number } = { SHA1: 64, SHA256: 64, SHA512: 128 };

/** Digest length in bytes of each hash. */
export const DIGEST_LENGTH: { [alg: string]: number } = { SHA1: 20, SHA256: 32, SHA512: 64 };

/** HMAC(key, message) under the named hash. Must not retain or log the key. */
export type HmacFn = (algorithm: HashAlgorithm, key: Uint8Array, message: Uint8Array) => Uint8Array;

/**
 * Parses an algorithm name, case-insensitively and with an optional dash ("sha-256").
 * @throws RangeError naming the value when it is not SHA1, SHA256 or SHA512.
 */
export function parseAlgorithm(name: string): HashAlgorithm {
  const n = String(name).toUpperCase().replace('-', '');
  if (isAlgorithm(n)) return n;
  throw new RangeError('algorithm must be SHA1, SHA256 or SHA512, got "' + name + '"');
}
