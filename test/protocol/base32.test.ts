/** Base32 (RFC 4648 §6) as authenticator secrets use it: lenient input, exact errors. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { base32Decode, base32Encode, toHex } from '@hwtotp/protocol/host';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('base32', () => {
  // RFC 4648 §10 test vectors.
  it.each([
    ['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='], ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======'],
  ])('RFC 4648 §10: "%s" is %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded.replace(/=+$/, ''));
    expect(toHex(base32Decode(encoded))).toBe(toHex(ascii(plain)));
    expect(toHex(base32Decode(encoded.replace(/=+$/, '')))).toBe(toHex(ascii(plain)));
  });
  it('decodes the RFC 6238 seed', () => {
    expect(Buffer.from(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toString('latin1')).toBe('12345678901234567890');
  });
  it('is case-insensitive', () => {
    expect(toHex(base32Decode('gezdgnbvgy3tqojq'))).toBe(toHex(base32Decode('GEZDGNBVGY3TQOJQ')));
    expect(toHex(base32Decode('GeZdGnBvGy3TqOjQ'))).toBe(toHex(base32Decode('GEZDGNBVGY3TQOJQ')));
  });
  it('makes padding optional', () => {
    expect(toHex(base32Decode('MZXW6==='))).toBe(toHex(base32Decode('MZXW6')));
  });
  it('tolerates spaces, tabs and dashes as printed on token cards', () => {
    const plain = toHex(base32Decode('GEZDGNBVGY3TQOJQ'));
    expect(toHex(base32Decode('GEZD GNBV GY3T QOJQ'))).toBe(plain);
    expect(toHex(base32Decode('gezd-gnbv-gy3t-qojq'))).toBe(plain);
    expect(toHex(base32Decode(' GEZD\tGNBV-GY3T QOJQ '))).toBe(plain);
  });
  it.each([
    ['GEZD1NBV', 4], ['GEZD0NBV', 4], ['GEZD8NBV', 4], ['GE!D', 2], ['GEZDGNB_', 7],
    ['GE ZD.G', 5], ['GEZ\u00e9', 3], ['GEZD\nGNBV', 4],
  ])('refuses %j naming the position %i of the bad character, never the character', (text, pos) => {
    expect(() => base32Decode(text)).toThrow(RangeError);
    expect(() => base32Decode(text)).toThrow(new RangeError('base32 has a bad character at position ' + pos));
  });
  it('refuses data after padding', () => {
    expect(() => base32Decode('MY======MY')).toThrow(new RangeError('base32 has a bad character at position 8'));
  });
  it('never quotes any part of the text in an error (it is a secret)', () => {
    for (const text of ['SECRETX1', 'ABCD\u00e9FGH', 'QQQQQQQ!']) {
      let message = '';
      try { base32Decode(text); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(/^base32 has a bad character at position \d+$/);
    }
  });
  it.each([['A', 1], ['ABC', 3], ['ABCDEF', 6], ['ABCDEFGHA', 9]])('refuses %s: length %i is no whole number of bytes', (text, n) => {
    expect(() => base32Decode(text)).toThrow(RangeError);
    expect(() => base32Decode(text)).toThrow('base32 length ' + n + ' is not a whole number of bytes');
  });
  it('refuses non-zero trailing bits (a truncated or mistyped secret)', () => {
    expect(() => base32Decode('MZ')).toThrow(/non-zero trailing bits/);
    expect(toHex(base32Decode('MY'))).toBe('66');
  });
  it('round-trips random bytes of every length from 0 to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const b = new Uint8Array(randomBytes(n));
      const enc = base32Encode(b);
      expect(enc).toMatch(/^[A-Z2-7]*$/);
      // otpauth's encoder is an independent implementation; it pads, ours does not.
      expect(enc).toBe(new Secret({ buffer: b.slice().buffer }).base32.replace(/=+$/, ''));
      expect(toHex(base32Decode(enc))).toBe(toHex(b));
      expect(toHex(base32Decode(enc.toLowerCase()))).toBe(toHex(b));
    }
  });
});
