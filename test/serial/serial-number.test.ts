/** Allocated serials: format, and the ISO 7064 MOD 37-2 check character catching typing errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SERIAL_PATTERN } from '@hwtotp/protocol';
import { checkCharacter, formatSerial, issuable, validateSerialCheck } from '../../verifier/src/provision/serial-number.ts';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('serial numbers', () => {
  it('formats prefix + 8-digit sequence + check character, valid on the wire', () => {
    const s = formatSerial('HWT', 42);
    expect(s).toMatch(/^HWT00000042[0-9A-Z]$/);
    expect(SERIAL_PATTERN.test(s)).toBe(true);
    expect(validateSerialCheck(s)).toBe(true);
    expect(validateSerialCheck(s.toLowerCase())).toBe(true);
  });

  it('matches an independent computation of ISO 7064 MOD 37-2 (weighted sum of 2^i is 1 mod 37)', () => {
    for (const body of ['HWT00000001', 'A', 'ZZ99', 'FT12345678']) {
      const chars = ALNUM + '*';
      const ok = [...chars].filter((c) => {
        const all = body + c;
        let sum = 0;
        for (let i = 0; i < all.length; i++) sum += chars.indexOf(all[i]!) * 2 ** (all.length - 1 - i);
        return sum % 37 === 1;
      });
      expect(ok).toHaveLength(1);
      expect(checkCharacter(body)).toBe(ok[0] === '*' ? undefined : ok[0]);
    }
  });

  it('skips sequence numbers whose check symbol would be "*"', () => {
    const skipped = Array.from({ length: 3700 }, (_, i) => i * 7).filter((i) => !issuable('HWT', i));
    expect(skipped.length).toBeGreaterThan(50);
    expect(skipped.length).toBeLessThan(200);
    expect(() => formatSerial('HWT', skipped[0]!)).toThrow(/skipped/);
  });

  it('catches every single substitution and every adjacent swap', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 99999999 }), fc.nat(), fc.nat(), (seq, i, j) => {
      if (!issuable('HWT', seq)) return;
      const s = formatSerial('HWT', seq);
      const pos = i % s.length;
      const other = ALNUM[j % 36]!;
      if (other !== s[pos]) expect(validateSerialCheck(s.slice(0, pos) + other + s.slice(pos + 1))).toBe(false);
      const k = i % (s.length - 1);
      if (s[k] !== s[k + 1]) expect(validateSerialCheck(s.slice(0, k) + s[k + 1] + s[k] + s.slice(k + 2))).toBe(false);
    }), { numRuns: 2000 });
  });

  it('refuses bad prefixes and sequences, naming them', () => {
    expect(() => formatSerial('HW-T', 1)).toThrow(/prefix.*"HW-T"/);
    expect(() => formatSerial('HWT', -1)).toThrow(/sequence.*-1/);
    expect(validateSerialCheck('HWT-0001')).toBe(false);
    expect(validateSerialCheck('')).toBe(false);
  });
});
