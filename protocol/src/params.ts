/**
 * The token parameters (protocol/PROTOCOL.md §7.2 "Token parameters"): hash algorithm, digits,
 * period, T0 and secret length. This file is their one owner: the defaults, the limits and the one
 * check. The firmware checks PROVISION with it, the serial client and the HELLO checker read it,
 * and the verifier's registry, seed-file readers and HTTP schemas use it, so no two places can
 * disagree about what a token may be.
 *
 * Pure ES5 with no throw: it is compiled into the firmware, and the token answers a refusal, it
 * does not raise one.
 */
import { HashAlgorithm, isAlgorithm } from './hash.ts';
import { isInteger } from './bytes.ts';

/** Earliest time a token accepts (2020-01-01): anything before is a host clock or typing error. */
export const MIN_TIME = 1577836800;
/** Latest time a token accepts (2100-01-01). */
export const MAX_TIME = 4102444800;

/** The parameters of one token. */
export interface TokenParams {
  algorithm: HashAlgorithm;
  /** Digits of a code, RFC 4226 §5.3. */
  digits: number;
  /** Seconds per time step, RFC 6238 §4.1 (X). */
  period: number;
  /** UNIX time at which step 0 begins, RFC 6238 §4.1 (T0). */
  t0: number;
}

/** What a token is when a parameter is not given: RFC 6238's defaults (§4.1: X = 30, T0 = 0; §1.2, §5.3 of RFC 4226). */
export const DEFAULT_PARAMS: TokenParams = { algorithm: 'SHA1', digits: 6, period: 30, t0: 0 };

/** p with every parameter it leaves undefined set to its default. */
export function withDefaults(p: { algorithm?: HashAlgorithm; digits?: number; period?: number; t0?: number }): TokenParams {
  const d = DEFAULT_PARAMS;
  return {
    algorithm: p.algorithm !== undefined ? p.algorithm : d.algorithm,
    digits: p.digits !== undefined ? p.digits : d.digits,
    period: p.period !== undefined ? p.period : d.period,
    t0: p.t0 !== undefined ? p.t0 : d.t0,
  };
}

/** An inclusive integer range. */
export interface Range { min: number; max: number }

/**
 * The limits of every parameter. Digits: RFC 4226 §5.3 asks for at least 6, and 8 is the most a
 * 31-bit truncation carries usefully. Period: 1 s to an hour. T0: from the epoch to the token's
 * latest time. Secret: RFC 4226 §4 R6 asks for at least 128 bits; 64 bytes is SHA-512's output,
 * as long a key as RFC 6238's reference code uses.
 */
export const LIMITS: { digits: Range; period: Range; t0: Range; secretBytes: Range } = {
  digits: { min: 6, max: 8 },
  period: { min: 1, max: 3600 },
  t0: { min: 0, max: MAX_TIME },
  secretBytes: { min: 16, max: 64 },
};

function inRange(v: unknown, r: Range): boolean {
  return isInteger(v) && v >= r.min && v <= r.max;
}

/** "NAME must be from MIN to MAX, got V", the wording of the wire's parseIntArg (V only when a number). */
export function rangeMessage(name: string, r: Range, v: unknown): string {
  return name + ' must be from ' + r.min + ' to ' + r.max + (typeof v === 'number' ? ', got ' + v : '');
}

/**
 * Checks one parameter set. Returns undefined when every field is in its limits, else a message
 * naming the first field at fault and its rule. The message quotes numbers only, never the secret.
 * `secretLength` is the seed's length in bytes, when the caller has the seed.
 */
export function checkParams(p: { algorithm?: unknown; digits?: unknown; period?: unknown; t0?: unknown }, secretLength?: number): string | undefined {
  if (secretLength !== undefined && !inRange(secretLength, LIMITS.secretBytes)) {
    return 'secret must be ' + LIMITS.secretBytes.min + ' to ' + LIMITS.secretBytes.max + ' bytes, got ' + secretLength;
  }
  if (!isAlgorithm(p.algorithm)) return 'algorithm must be SHA1, SHA256 or SHA512';
  if (!inRange(p.digits, LIMITS.digits)) return rangeMessage('digits', LIMITS.digits, p.digits);
  if (!inRange(p.period, LIMITS.period)) return rangeMessage('period', LIMITS.period, p.period);
  if (!inRange(p.t0, LIMITS.t0)) return rangeMessage('t0', LIMITS.t0, p.t0);
  return undefined;
}
