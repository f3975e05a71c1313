/** Byte helpers: hex, latin1, concatenation, constant-time comparison, integer test, algorithm names. */
import { describe, expect, it } from 'vitest';
import { concatBytes, constantTimeEqual, fromHex, isInteger, latin1Bytes, parseAlgorithm, toHex } from '@hwtotp/protocol';

describe('hex', () => {
  it('round-trips every byte value, lower-case out, either case in', () => {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const hex = toHex(all);
    expect(hex).toBe(Buffer.from(all).toString('hex'));
    expect(Array.from(fromHex(hex))).toEqual(Array.from(all));
    expect(Array.from(fromHex(hex.toUpperCase()))).toEqual(Array.from(all));
    expect(toHex(new Uint8Array(0))).toBe('');
    expect(fromHex('').length).toBe(0);
  });
  it('refuses an odd length, naming it', () => {
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('abc')).toThrow('hex must have an even length, got 3 characters');
  });
  it.each([['zz', 0], ['0g', 1], ['00 1', 2], ['0011-2', 4]])('refuses %j naming position %i', (text, pos) => {
    const t = text.length % 2 ? text + '0' : text;
    expect(() => fromHex(t)).toThrow('hex has a bad character at position ' + pos);
  });
});

describe('latin1Bytes and concatBytes', () => {
  it('takes the low byte of each character', () => {
    expect(Array.from(latin1Bytes('A\u00ff\u0000'))).toEqual([65, 255, 0]);
    expect(Array.from(latin1Bytes(''))).toEqual([]);
  });
  it('concatenates without sharing memory', () => {
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([3]);
    const c = concatBytes(a, b);
    expect(Array.from(c)).toEqual([1, 2, 3]);
    a[0] = 9;
    expect(c[0]).toBe(1);
    expect(concatBytes(new Uint8Array(0), new Uint8Array(0)).length).toBe(0);
  });
});

describe('constantTimeEqual', () => {
  it('is true only for equal strings', () => {
    expect(constantTimeEqual('123456', '123456')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('123456', '123457')).toBe(false);
    expect(constantTimeEqual('023456', '123456')).toBe(false);
    expect(constantTimeEqual('12345', '123456')).toBe(false);
    expect(constantTimeEqual('123456', '12345')).toBe(false);
    expect(constantTimeEqual('', '1')).toBe(false);
    // A prefix padded with NULs must not pass for the longer string.
    expect(constantTimeEqual('12\u0000', '12')).toBe(false);
    expect(constantTimeEqual('\u0100', '\u0000')).toBe(false);
  });
  it('looks at every character rather than stopping at the first difference', () => {
    // Count the characters read: the same for an early and a late difference.
    const reads = (a: string, b: string) => {
      let n = 0;
      const spy = (s: string) => new Proxy(new String(s), {
        get(target, prop) {
          if (prop === 'charCodeAt') return (i: number) => { n++; return s.charCodeAt(i); };
          if (prop === 'length') return s.length;
          return Reflect.get(target, prop);
        },
      }) as unknown as string;
      constantTimeEqual(spy(a), spy(b));
      return n;
    };
    expect(reads('000000', '900000')).toBe(reads('000000', '000009'));
    expect(reads('000000', '900000')).toBe(12);
  });
});

describe('isInteger', () => {
  it('accepts integers only', () => {
    for (const x of [0, 1, -1, 2 ** 53, 1e21]) expect(isInteger(x)).toBe(true);
    for (const x of [0.5, NaN, Infinity, -Infinity, '1', null, undefined, {}]) expect(isInteger(x)).toBe(false);
  });
});

describe('parseAlgorithm', () => {
  it.each([['SHA1', 'SHA1'], ['sha1', 'SHA1'], ['SHA-256', 'SHA256'], ['sha512', 'SHA512'], ['Sha-512', 'SHA512']])('%s is %s', (a, b) => {
    expect(parseAlgorithm(a)).toBe(b);
  });
  it.each(['MD5', 'SHA384', '', 'SHA--1', 'SHA3-256'])('refuses %j naming it', (a) => {
    expect(() => parseAlgorithm(a)).toThrow(RangeError);
    expect(() => parseAlgorithm(a)).toThrow('got "' + a + '"');
  });
});
