/** HOTP/TOTP parameter rules: digits, period, counter bounds, T0 and the countdown. */
import { describe, expect, it } from 'vitest';
import { checkDigits, checkPeriod, counterBytes, hotp, nobleHmac, secondsLeft, stepAt, toHex, totp, truncate } from '@hwtotp/protocol/host';
import { RFC4226, RFC6238 } from '../vectors/index.ts';

const key = RFC6238.keys.SHA1;

describe('digits', () => {
  it.each([6, 7, 8])('accepts %i', (d) => {
    expect(checkDigits(d)).toBe(d);
    expect(totp(nobleHmac, key, 59, { digits: d })).toMatch(new RegExp('^[0-9]{' + d + '}$'));
  });
  it('7 digits are the last 7 of the 8-digit value for the same step', () => {
    expect(totp(nobleHmac, key, 59, { digits: 7 })).toBe(RFC6238.rows[0]!.totp.SHA1.substring(1));
  });
  it.each([0, 1, 5, 9, 10, -6, 6.5, NaN, Infinity])('refuses %s with a RangeError naming the value', (d) => {
    expect(() => checkDigits(d)).toThrow(RangeError);
    expect(() => checkDigits(d)).toThrow('got ' + d);
    expect(() => hotp(nobleHmac, key, 1, { digits: d })).toThrow('digits must be an integer from 6 to 8, got ' + d);
    expect(() => totp(nobleHmac, key, 59, { digits: d })).toThrow(RangeError);
    expect(() => truncate(new Uint8Array(20), d)).toThrow(RangeError);
  });
  it('refuses a non-number with a RangeError naming it', () => {
    expect(() => hotp(nobleHmac, key, 1, { digits: '6' as unknown as number })).toThrow('got 6');
  });
});

describe('period', () => {
  it.each([1, 2, 30, 60, 3600, 86400])('accepts %i s', (p) => {
    expect(checkPeriod(p)).toBe(p);
    expect(stepAt(100000, { period: p })).toBe(Math.floor(100000 / p));
  });
  it.each([0, -1, -30, 0.5, 29.5, NaN, Infinity])('refuses %s with a RangeError naming it', (p) => {
    expect(() => checkPeriod(p)).toThrow(RangeError);
    expect(() => stepAt(59, { period: p })).toThrow('period must be an integer of 1 second or more, got ' + p);
    expect(() => totp(nobleHmac, key, 59, { period: p })).toThrow(RangeError);
    expect(() => secondsLeft(59, { period: p })).toThrow(RangeError);
  });
  it('a 1 s period steps every second', () => {
    const codes = [100, 101, 102].map((t) => totp(nobleHmac, key, t, { period: 1 }));
    expect(codes).toEqual([100, 101, 102].map((c) => hotp(nobleHmac, key, c)));
  });
});

describe('counter', () => {
  it('encodes 8 bytes big-endian', () => {
    expect(toHex(counterBytes(0))).toBe('0000000000000000');
    expect(toHex(counterBytes(1))).toBe('0000000000000001');
    expect(toHex(counterBytes(0x0123456789))).toBe('0000000123456789');
    expect(toHex(counterBytes(4294967295))).toBe('00000000ffffffff');
    expect(toHex(counterBytes(4294967296))).toBe('0000000100000000');
    expect(toHex(counterBytes(Number.MAX_SAFE_INTEGER))).toBe('001fffffffffffff');
  });
  it('matches a BigInt encoding for counters across the 32-bit boundary', () => {
    for (const c of [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52 + 3]) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(c));
      expect(toHex(counterBytes(c))).toBe(b.toString('hex'));
    }
  });
  it.each([-1, 0.5, 2 ** 53, Number.MAX_VALUE, NaN, Infinity])('refuses %s with a RangeError naming it', (c) => {
    expect(() => counterBytes(c)).toThrow(RangeError);
    expect(() => hotp(nobleHmac, RFC4226.secret, c)).toThrow('counter must be an integer from 0 to 2^53-1, got ' + c);
  });
  it('refuses a time before T0 (a negative step)', () => {
    expect(() => totp(nobleHmac, key, 10, { t0: 100 })).toThrow(/counter .* got -3/);
  });
  it('refuses a non-finite time, naming it', () => {
    expect(() => stepAt(NaN)).toThrow('time must be a finite number of seconds, got NaN');
    expect(() => totp(nobleHmac, key, Infinity)).toThrow(RangeError);
  });
});

describe('T0', () => {
  it('shifts the step: T = floor((time - T0) / period)', () => {
    expect(stepAt(59 + 1000, { t0: 1000 })).toBe(1);
    expect(totp(nobleHmac, key, 59 + 1000, { t0: 1000, digits: 8 })).toBe(RFC6238.rows[0]!.totp.SHA1);
    expect(totp(nobleHmac, key, 1111111109 + 7, { t0: 7, digits: 8 })).toBe(RFC6238.rows[1]!.totp.SHA1);
  });
  it.each([0.5, NaN, Infinity, '0' as unknown as number])('refuses T0 %s with a RangeError naming it', (t0) => {
    expect(() => stepAt(59, { t0 })).toThrow('t0 must be an integer number of seconds, got ' + t0);
    expect(() => totp(nobleHmac, key, 59, { t0 })).toThrow(RangeError);
  });
  it('defaults to 0 and a 30 s period', () => {
    expect(stepAt(59)).toBe(1);
    expect(stepAt(60)).toBe(2);
    expect(totp(nobleHmac, key, 59)).toBe(hotp(nobleHmac, key, 1));
  });
  it('accepts fractional seconds, as getTime() returns them', () => {
    expect(stepAt(59.999)).toBe(1);
    expect(totp(nobleHmac, key, 59.999, { digits: 8 })).toBe('94287082');
  });
});

describe('secondsLeft', () => {
  it.each([
    [0, 30, 0, 30], [1, 30, 0, 29], [29, 30, 0, 1], [29.5, 30, 0, 1], [30, 30, 0, 30], [59, 30, 0, 1],
    [60, 30, 0, 30], [1111111109, 30, 0, 1], [1111111111, 30, 0, 29], [10, 1, 0, 1], [100, 60, 10, 30], [5, 60, 5, 60],
  ])('at %s with period %s and T0 %s: %s', (time, period, t0, left) => {
    expect(secondsLeft(time, { period, t0 })).toBe(left);
  });
  it('is between 1 and period, and the code changes exactly when it runs out', () => {
    for (let t = 1000; t < 1100; t++) {
      const left = secondsLeft(t, { period: 7 });
      expect(left).toBeGreaterThanOrEqual(1);
      expect(left).toBeLessThanOrEqual(7);
      expect(stepAt(t + left - 1, { period: 7 })).toBe(stepAt(t, { period: 7 }));
      expect(stepAt(t + left, { period: 7 })).toBe(stepAt(t, { period: 7 }) + 1);
    }
  });
});
