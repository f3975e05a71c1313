/**
 * Property test: our TOTP agrees with two independent implementations on random keys, times,
 * algorithms, digit counts, periods and T0s: the `otpauth` package on 1,000 cases, and Debian's
 * `oathtool` (a C implementation, one process per case) on 300 of them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { HOTP, Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { HashAlgorithm, base32Encode, nobleHmac, toHex, totp } from '@hwtotp/protocol/host';
import { HMAC_IMPLEMENTATIONS } from './hmac-impls.ts';

const run = promisify(execFile);

interface Case { key: Uint8Array; time: number; algorithm: HashAlgorithm; digits: number; period: number; t0: number }

const caseArb: fc.Arbitrary<Case> = fc.record({
  key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  // Up to the year 2500, past 2^32 seconds, so the 64-bit counter's high half is exercised.
  time: fc.integer({ min: 0, max: 16_725_225_600 }),
  algorithm: fc.constantFrom<HashAlgorithm>('SHA1', 'SHA256', 'SHA512'),
  digits: fc.integer({ min: 6, max: 8 }),
  period: fc.oneof(fc.constant(30), fc.constant(60), fc.integer({ min: 1, max: 86_400 })),
  t0: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
}).filter((c) => c.time >= c.t0);

const SEED = 0x5eed2;

/** otpauth's TOTP takes no T0, so compute its HOTP at our step: otpauth then does HMAC and truncation. */
function otpauthCode(c: Case): string {
  return new HOTP({ secret: new Secret({ buffer: c.key.slice().buffer }), algorithm: c.algorithm, digits: c.digits })
    .generate({ counter: Math.floor((c.time - c.t0) / c.period) });
}

describe('cross-check against independent implementations', () => {
  it('agrees with otpauth on 1,000 random cases, for every HMAC implementation', () => {
    const cases = fc.sample(caseArb, { numRuns: 1000, seed: SEED });
    expect(cases).toHaveLength(1000);
    for (const c of cases) {
      const want = otpauthCode(c);
      for (const [name, hmac] of HMAC_IMPLEMENTATIONS) {
        const got = totp(hmac, c.key, c.time, c);
        if (got !== want) expect({ name, ...c, key: toHex(c.key), got }).toEqual({ name, ...c, key: toHex(c.key), got: want });
      }
    }
  });

  it('agrees with otpauth\'s own TOTP when T0 is 0 (fast-check property, shrinks on failure)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const otp = new TOTP({ secret: new Secret({ buffer: c.key.slice().buffer }), algorithm: c.algorithm, digits: c.digits, period: c.period });
      return totp(nobleHmac, c.key, c.time, { algorithm: c.algorithm, digits: c.digits, period: c.period }) ===
        otp.generate({ timestamp: c.time * 1000 });
    }), { numRuns: 200, seed: SEED + 1 });
  });

  it('agrees with oathtool on 300 random cases (hex and base32 key input)', async () => {
    const cases = fc.sample(caseArb, { numRuns: 300, seed: SEED + 2 });
    let next = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i]!;
        // Alternate hex and base32 input so both of oathtool's key parsers are compared.
        const keyArgs = i % 2 ? ['-b', base32Encode(c.key)] : [toHex(c.key)];
        const args = ['--totp=' + c.algorithm, '-d', String(c.digits), '-s', c.period + 's', '-S', '@' + c.t0, '-N', '@' + c.time, ...keyArgs];
        const { stdout } = await run('oathtool', args);
        const want = stdout.trim();
        const got = totp(nobleHmac, c.key, c.time, c);
        if (got !== want) failures.push({ args, got, want });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures).toEqual([]);
    expect(next).toBeGreaterThanOrEqual(300);
  });
});
