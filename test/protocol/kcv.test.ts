/** The key check value: 6 upper-case hex characters of HMAC(seed, "hwtotp-kcv-v1"). */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashAlgorithm, KCV_LABEL, kcv } from '@hwtotp/protocol/host';
import { HMAC_IMPLEMENTATIONS } from './hmac-impls.ts';
import { RFC6238 } from '../vectors/index.ts';

/** An independent computation on node:crypto, from the documented definition. */
function reference(algorithm: HashAlgorithm, seed: Uint8Array): string {
  return createHmac(algorithm.toLowerCase(), seed).update('hwtotp-kcv-v1', 'latin1').digest('hex').substring(0, 6).toUpperCase();
}

/** KCV of the RFC 6238 SHA1 seed "12345678901234567890" under SHA1, computed once with node:crypto. */
const PINNED = 'E7DFA3';

describe('kcv', () => {
  it('uses the documented label', () => {
    expect(KCV_LABEL).toBe('hwtotp-kcv-v1');
  });
  it.each(HMAC_IMPLEMENTATIONS)('is 6 upper-case hex chars and matches the reference, on %s', (_name, hmac) => {
    for (const alg of ['SHA1', 'SHA256', 'SHA512'] as HashAlgorithm[]) {
      const seed = RFC6238.keys[alg];
      const v = kcv(hmac, alg, seed);
      expect(v).toMatch(/^[0-9A-F]{6}$/);
      expect(v).toBe(reference(alg, seed));
    }
  });
  it('is stable: a fixed seed always gives the same value (pinned so a change of definition is noticed)', () => {
    const seed = RFC6238.keys.SHA1;
    expect(kcv(HMAC_IMPLEMENTATIONS[0]![1], 'SHA1', seed)).toBe(reference('SHA1', seed));
    expect(kcv(HMAC_IMPLEMENTATIONS[0]![1], 'SHA1', seed)).toBe(kcv(HMAC_IMPLEMENTATIONS[2]![1], 'SHA1', seed));
    expect(kcv(HMAC_IMPLEMENTATIONS[0]![1], 'SHA1', seed)).toBe(PINNED);
  });
  it('differs per seed and per algorithm', () => {
    const hmac = HMAC_IMPLEMENTATIONS[0]![1];
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(kcv(hmac, 'SHA1', new Uint8Array(randomBytes(20))));
    // 200 random 24-bit values collide with odds of about 1 in 850; allow one collision.
    expect(seen.size).toBeGreaterThanOrEqual(199);
    const one = new Uint8Array(20);
    const other = new Uint8Array(20);
    other[19] = 1;
    expect(kcv(hmac, 'SHA1', one)).not.toBe(kcv(hmac, 'SHA1', other));
    expect(kcv(hmac, 'SHA1', RFC6238.keys.SHA1)).not.toBe(kcv(hmac, 'SHA256', RFC6238.keys.SHA1));
  });
});
