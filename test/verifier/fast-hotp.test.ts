/** The verifier's fast HOTP path against the RFC vectors and the otpauth package. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { hotpGenerator, rekeyableHotp } from '../../verifier/src/fast-hotp.ts';
import { RFC4226, RFC6238 } from '../vectors/index.ts';

const pad = (n: number, d: number) => String(n).padStart(d, '0');

describe('hotpGenerator', () => {
  it('matches RFC 4226 Appendix D', () => {
    const g = hotpGenerator('SHA1', RFC4226.secret, 6);
    for (const row of RFC4226.rows) expect(pad(g.at(row.count), 6)).toBe(row.hotp);
  });

  it('matches RFC 6238 Appendix B for SHA1, SHA256 and SHA512', () => {
    for (const alg of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const g = hotpGenerator(alg, RFC6238.keys[alg], 8);
      for (const row of RFC6238.rows) expect(pad(g.at(Math.floor(row.time / 30)), 8)).toBe(row.totp[alg]);
    }
  });

  it('agrees with otpauth on random keys (including keys longer than a block), counters and digits', () => {
    fc.assert(fc.property(
      fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.maxSafeNat(),
      fc.integer({ min: 6, max: 8 }),
      (alg, key, counter, digits) => {
        const expected = new OTPAuth.HOTP({ secret: new OTPAuth.Secret({ buffer: key.slice().buffer }), algorithm: alg, digits }).generate({ counter });
        expect(pad(hotpGenerator(alg, key, digits).at(counter), digits)).toBe(expected);
      }), { numRuns: 600 });
  });

  it('refuses bad counters, digits and algorithms with errors naming the value', () => {
    const g = hotpGenerator('SHA1', new Uint8Array(20), 6);
    expect(() => g.at(-1)).toThrow(/counter .* got -1/);
    expect(() => g.at(1.5)).toThrow(/counter/);
    expect(() => hotpGenerator('SHA1', new Uint8Array(20), 9)).toThrow(/digits .* got 9/);
    expect(() => hotpGenerator('MD5' as never, new Uint8Array(20), 6)).toThrow(/"MD5"/);
  });
});

describe('rekeyableHotp', () => {
  it('rekeyed through a run of random keys, gives each key\'s own values and leaves the keys as they were', () => {
    fc.assert(fc.property(
      fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 6 }),
      fc.maxSafeNat(),
      fc.integer({ min: 6, max: 8 }),
      (alg, keys, counter, digits) => {
        const copies = keys.map((k) => k.slice());
        const g = rekeyableHotp(alg, keys[0]!, digits);
        keys.forEach((key, i) => {
          if (i > 0) expect(g.setKey(key)).toBe(g);
          expect(g.at(counter)).toBe(hotpGenerator(alg, copies[i]!, digits).at(counter));
        });
        expect(keys).toEqual(copies);
      }), { numRuns: 300 });
  });

  it('takes a key that is a range of a larger buffer, as find passes the seeds of its index', () => {
    fc.assert(fc.property(
      fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
      fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.uint8Array({ minLength: 0, maxLength: 40 }),
      fc.maxSafeNat(),
      (alg, before, key, after, counter) => {
        const buffer = new Uint8Array([...before, ...key, ...after]);
        const g = rekeyableHotp(alg, new Uint8Array(20), 6).setKey(buffer, before.length, before.length + key.length);
        expect(g.at(counter)).toBe(hotpGenerator(alg, key, 6).at(counter));
      }), { numRuns: 300 });
  });
});
