/**
 * HMAC, RFC 2104 §2, built over a plain hash function.
 *
 * Espruino boards have a native SHA1/SHA256 in `require("crypto")` but no HMAC, and a hash written
 * in JS runs many times slower there. This file is the few lines that turn a native
 * hash into the HmacFn that hotp/totp take.
 */
import { BLOCK_LENGTH, HashAlgorithm, HmacFn } from './hash.ts';
import { concatBytes } from './bytes.ts';

/** A one-shot hash: bytes in, digest out. */
export type HashFn = (data: Uint8Array) => Uint8Array;

/** The hashes a board or host has natively, by algorithm name. Missing names are unsupported. */
export interface HashTable { SHA1?: HashFn; SHA256?: HashFn; SHA512?: HashFn }

/**
 * Builds an HmacFn over the given hashes.
 * The returned function throws a RangeError naming the algorithm when the table lacks it.
 */
export function hmacFromHashes(hashes: HashTable): HmacFn {
  return function (algorithm: HashAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array {
    const hash = hashes[algorithm];
    const block = BLOCK_LENGTH[algorithm];
    if (!hash || !block) throw new RangeError('hash ' + algorithm + ' is not available here');
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with zeros below.
    const k = key.length > block ? hash(key) : key;
    const ipad = new Uint8Array(block);
    const opad = new Uint8Array(block);
    for (let i = 0; i < block; i++) {
      const b = i < k.length ? (k[i] as number) : 0;
      ipad[i] = b ^ 0x36;
      opad[i] = b ^ 0x5c;
    }
    return hash(concatBytes(opad, hash(concatBytes(ipad, message))));
  };
}
