/**
 * Key check value: a short public digest that proves a seed arrived intact without reading it back.
 *
 *   KCV = upper-case hex of the first 3 bytes of HMAC-<alg>(seed, "hwtotp-kcv-v1")
 *
 * The token's own algorithm is used, so any board that can compute its codes can compute its KCV.
 * 24 bits catch a corrupted transfer with odds of 1 in 16.7 million and reveal nothing useful about a
 * 160-bit or longer seed; the label keeps it unrelated to every code (codes MAC 8-byte counters).
 */
import { HashAlgorithm, HmacFn } from './hash.ts';
import { latin1Bytes, toHex } from './bytes.ts';

/** The fixed label the KCV is computed over. */
export const KCV_LABEL = 'hwtotp-kcv-v1';

/** The 6-character KCV of a seed. */
export function kcv(hmac: HmacFn, algorithm: HashAlgorithm, seed: Uint8Array): string {
  return toHex(hmac(algorithm, seed, latin1Bytes(KCV_LABEL)).subarray(0, 3)).toUpperCase();
}
