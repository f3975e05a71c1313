/**
 * Host-side defaults: an HMAC on @noble/hashes and RFC 4648 base32 on @scure/base.
 * Never imported by the firmware (it would pull pure-JS hashes into the bundle).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { HashAlgorithm, HmacFn } from '../hash.ts';

export * from '../index.ts';
export * from './base32.ts';

const HASHES = { SHA1: sha1, SHA256: sha256, SHA512: sha512 };

/** The default HmacFn, on @noble/hashes. */
export const nobleHmac: HmacFn = (algorithm: HashAlgorithm, key: Uint8Array, message: Uint8Array) => {
  const h = HASHES[algorithm];
  if (!h) throw new RangeError('algorithm must be SHA1, SHA256 or SHA512, got "' + algorithm + '"');
  return hmac(h, key, message);
};
