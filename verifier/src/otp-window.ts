/**
 * Searches for codes around a step: the sign-in window (RFC 6238 §5.2 allows a small number of
 * steps either side for network delay and drift) and the two-consecutive-codes search used by
 * enrollment and resync (RFC 4226 §7.4 resynchronization, applied to TOTP steps).
 */
import type { HotpGenerator } from './fast-hotp.ts';

/**
 * The steps among `steps` whose value equals `code`. Every step is computed and compared as a
 * number, with no early exit, so the time does not depend on which step (if any) matched.
 */
export function matchSteps(gen: HotpGenerator, code: number, steps: number[]): number[] {
  const out: number[] = [];
  for (const s of steps) {
    if (s < 0) continue;
    if (((gen.at(s) ^ code) | 0) === 0) out.push(s);
  }
  return out;
}

/**
 * Every step s in [center - radius, center + radius - 1] where code1 is the value at s and code2 the
 * value at s + 1, ordered closest to the center first. One HMAC per step: each value is
 * computed once and carried to the next comparison.
 */
export function findConsecutive(gen: HotpGenerator, code1: number, code2: number, center: number, radius: number): number[] {
  const lo = Math.max(0, center - radius);
  const hi = center + radius;
  const found: number[] = [];
  let prev = gen.at(lo);
  for (let s = lo + 1; s <= hi; s++) {
    const cur = gen.at(s);
    if (prev === code1 && cur === code2) found.push(s - 1);
    prev = cur;
  }
  // Pair s means code2 at s + 1; "distance" measured from the second code's step.
  return found.sort((a, b) => Math.abs(a + 1 - center) - Math.abs(b + 1 - center) || b - a);
}
