/**
 * The HMAC implementations every OTP suite runs against, so each one is proven on the same vectors:
 * - nobleHmac, the host default;
 * - hmacFromHashes over noble's raw hashes: the RFC 2104 construction the firmware runs over a
 *   board's native hash;
 * - node:crypto, the fast path a verifier may use.
 */
import { createHmac } from 'node:crypto';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { HashAlgorithm, HmacFn, hmacFromHashes, nobleHmac } from '@hwtotp/protocol/host';

/** HMAC on node:crypto. */
export const nodeHmac: HmacFn = (algorithm: HashAlgorithm, key: Uint8Array, message: Uint8Array) =>
  new Uint8Array(createHmac(algorithm.toLowerCase(), key).update(message).digest());

/** The raw hashes, as a board's `require("crypto")` would provide them. */
export const NOBLE_HASHES = { SHA1: sha1, SHA256: sha256, SHA512: sha512 };

/** Each implementation by the name its suite is reported under. */
export const HMAC_IMPLEMENTATIONS: [string, HmacFn][] = [
  ['nobleHmac', nobleHmac],
  ['hmacFromHashes over noble sha1/sha256/sha512', hmacFromHashes(NOBLE_HASHES)],
  ['node:crypto', nodeHmac],
];
