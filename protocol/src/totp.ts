/**
 * TOTP, RFC 6238 §4: HOTP with the counter T = floor((unixTime - T0) / X).
 * Times past 2038 and 2^32 seconds work (§4.2 asks for it): the step is a plain number and hotp.ts
 * splits it into two 32-bit halves.
 */
import { HmacFn } from './hash.ts';
import { HotpParams, hotp } from './hotp.ts';
import { isInteger } from './bytes.ts';
import { DEFAULT_PARAMS } from './params.ts';

/** TOTP parameters. Defaults: params.ts DEFAULT_PARAMS (SHA1, 6 digits, a 30 s period, T0 = 0). */
export interface TotpParams extends HotpParams { period?: number; t0?: number }

/**
 * Checks a period in seconds.
 * @throws RangeError naming the value unless it is an integer of 1 or more.
 */
export function checkPeriod(period: number): number {
  if (!isInteger(period) || period < 1) throw new RangeError('period must be an integer of 1 second or more, got ' + period);
  return period;
}

/**
 * Checks T0, the UNIX time at which step 0 begins (RFC 6238 §4.1).
 * @throws RangeError naming the value unless it is an integer.
 */
export function checkT0(t0: number): number {
  if (!isInteger(t0)) throw new RangeError('t0 must be an integer number of seconds, got ' + t0);
  return t0;
}

/**
 * RFC 6238 §4.2, T = floor((time - T0) / X): the time step that covers `time` (UNIX seconds,
 * fractions allowed). The one place the formula is written. Unchecked: stepAt checks its inputs;
 * the firmware and the verifier call this with parameters they checked when they stored them.
 */
export function totpStep(time: number, period: number, t0: number): number {
  return Math.floor((time - t0) / period);
}

/** Seconds until the next step begins, from 1 to period: the countdown the token shows. Unchecked. */
export function stepSecondsLeft(time: number, period: number, t0: number): number {
  return period - Math.floor(time - t0 - totpStep(time, period, t0) * period);
}

function periodOf(params?: TotpParams): number {
  return params && params.period !== undefined ? checkPeriod(params.period) : DEFAULT_PARAMS.period;
}

function t0Of(params?: TotpParams): number {
  return params && params.t0 !== undefined ? checkT0(params.t0) : DEFAULT_PARAMS.t0;
}

/**
 * totpStep with checked inputs.
 * @throws RangeError naming the value for a bad period or T0, or a time that is not a finite number.
 */
export function stepAt(time: number, params?: TotpParams): number {
  const period = periodOf(params);
  const t0 = t0Of(params);
  if (typeof time !== 'number' || !isFinite(time)) throw new RangeError('time must be a finite number of seconds, got ' + time);
  return totpStep(time, period, t0);
}

/** stepSecondsLeft with checked inputs. */
export function secondsLeft(time: number, params?: TotpParams): number {
  stepAt(time, params);
  return stepSecondsLeft(time, periodOf(params), t0Of(params));
}

/**
 * TOTP(key, time) for UNIX time in seconds (RFC 6238 §4.2): the HOTP value of the step at `time`.
 * @throws RangeError for bad digits, period, T0 or time, or a time before T0.
 */
export function totp(hmac: HmacFn, key: Uint8Array, time: number, params?: TotpParams): string {
  return hotp(hmac, key, stepAt(time, params), params);
}
