/**
 * lex.ts: the Espruino-safe checks that replaced counted quantifiers, "?" and alternation in the
 * protocol's patterns. Each is compared with the V8 regex it replaced, over every edge case.
 */
import { describe, expect, it } from 'vitest';
import { checkEspruino } from '@hwtotp/tools/espruino-check';
import { isCanonicalInt, pattern, SERIAL_PATTERN } from '@hwtotp/protocol';

describe('pattern()', () => {
  it('adds length bounds to a subset regex', () => {
    const key = pattern(/^[a-z][a-z0-9]*$/, 1, 16);
    const full = /^[a-z][a-z0-9]{0,15}$/;
    for (const s of ['', 'a', 'a1', 'z'.repeat(16), 'z'.repeat(17), '1a', 'aB', 'a-b', 'abc0123456789xyz']) {
      expect(key.test(s), s).toBe(full.test(s));
    }
  });

  it('SERIAL_PATTERN keeps the 9-64 character rule of the wire spec', () => {
    const full = /^[A-Za-z0-9+=/:,.@-]{9,64}$/;
    for (const s of ['HWT000000', 'HWT00000', 'a'.repeat(64), 'a'.repeat(65), 'HWT-0000.42@x', 'HWT 000000', 'HWT0000_00', 'ab/cd:ef,gh+=']) {
      expect(SERIAL_PATTERN.test(s), s).toBe(full.test(s));
    }
  });
});

describe('isCanonicalInt()', () => {
  const unsigned = /^(0|[1-9][0-9]{0,7})$/;
  const signed = /^(0|-?[1-9][0-9]{0,15})$/;
  const cases = ['0', '00', '01', '1', '9', '10', '99999999', '100000000', '-0', '-1', '-01', '+1', '', '-', '1e3', ' 1',
    '1234567890123456', '12345678901234567', '-1234567890123456', '-12345678901234567', 'x'];

  it('matches the unsigned 8-digit id rule', () => {
    for (const s of cases) expect(isCanonicalInt(s, 8, false), s).toBe(unsigned.test(s));
  });

  it('matches the signed 16-digit argument rule', () => {
    for (const s of cases) expect(isCanonicalInt(s, 16, true), s).toBe(signed.test(s));
  });
});

describe('the protocol sources', () => {
  it('use only regexes that Espruino implements (the check refuses the patterns they replaced)', () => {
    expect(checkEspruino('var r = /^(0|-?[1-9][0-9]{0,15})$/;').problems.map((p) => p.rule)).toContain('espruino-regexp');
    expect(checkEspruino('var r = /^[a-z][a-z0-9]*$/; var s = /[A-Za-z0-9._:\\/+=@,-]/;').ok).toBe(true);
  });
});
