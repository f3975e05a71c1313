/**
 * String checks that mean the same on Espruino as on V8.
 *
 * Espruino's RegExp (src/jswrap_regexp.c) implements a small subset: characters, ".", classes,
 * escapes such as \d, and "*" / "+" after a single character or class, anchored by "^" and "$".
 * It has no counted quantifiers ({0,15} is matched as literal text), no "?", and no working groups
 * or alternation. So every pattern here stays inside that subset and carries its length bounds
 * separately. tools/src/espruino-check refuses any other regex in a firmware bundle.
 */

/** Something with a `test(s)` method, as a RegExp has. */
export interface Pattern { test(s: string): boolean }

/** A subset regex that must also match a length from min to max. Callers pass strings. */
export function pattern(re: RegExp, min: number, max: number): Pattern {
  return {
    test: function (s: string): boolean {
      return s.length >= min && s.length <= max && re.test(s);
    },
  };
}

/** Decimal digits without a leading zero. */
const NONZERO = /^[1-9][0-9]*$/;

/**
 * Canonical decimal: "0", or up to maxDigits digits without a leading zero, with an optional "-"
 * when `signed`. No "+", no "-0".
 */
export function isCanonicalInt(s: string, maxDigits: number, signed: boolean): boolean {
  if (s === '0') return true;
  const d = signed && s.charAt(0) === '-' ? s.substring(1) : s;
  return d.length <= maxDigits && NONZERO.test(d);
}
