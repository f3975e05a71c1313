/**
 * HOTP, RFC 4226 §5.3: HMAC over an 8-byte big-endian counter, dynamic truncation, modulo 10^digits.
 *
 * ES5 and no BigInt (Espruino has none): the 64-bit counter is split into two 32-bit halves with
 * plain division, which is exact for every counter up to 2^53 - 1.
 */
import { HashAlgorithm, HmacFn } from './hash.ts';
import { isInteger } from './bytes.ts';
import { DEFAULT_PARAMS, LIMITS } from './params.ts';

/** Parameters shared by HOTP and TOTP. Defaults: params.ts DEFAULT_PARAMS (SHA1, 6 digits). */
export interface HotpParams { algorithm?: HashAlgorithm; digits?: number }

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/**
 * Checks a digit count.
 * @throws RangeError naming the value unless it is an integer from 6 to 8.
 */
export function checkDigits(digits: number): number {
  if (!isInteger(digits) || digits < LIMITS.digits.min || digits > LIMITS.digits.max) {
    throw new RangeError('digits must be an integer from ' + LIMITS.digits.min + ' to ' + LIMITS.digits.max + ', got ' + digits);
  }
  return digits;
}

/**
 * counterBytes without its check, for a caller whose counter is already known good: the firmware,
 * whose step comes from a clock it checked and whose bundle has no bytes to spare for a check that
 * cannot fail there.
 */
export function encodeCounter(counter: number): Uint8Array {
  const out = new Uint8Array(8);
  let hi = Math.floor(counter / 4294967296);
  let lo = counter - hi * 4294967296;
  for (let i = 7; i >= 4; i--) { out[i] = lo & 255; lo = Math.floor(lo / 256); }
  for (let i = 3; i >= 0; i--) { out[i] = hi & 255; hi = Math.floor(hi / 256); }
  return out;
}

/**
 * The 8-byte big-endian encoding of a counter (RFC 4226 §5.2).
 * @throws RangeError naming the value unless it is an integer in [0, 2^53).
 */
export function counterBytes(counter: number): Uint8Array {
  if (!isInteger(counter) || counter < 0 || counter > 9007199254740991) {
    throw new RangeError('counter must be an integer from 0 to 2^53-1, got ' + counter);
  }
  return encodeCounter(counter);
}

/** truncate without its check of `digits`, for the firmware, whose digits were checked at PROVISION. */
export function dynamicTruncate(mac: Uint8Array, digits: number): string {
  const off = (mac[mac.length - 1] as number) & 15;
  const bin = ((mac[off] as number) & 0x7f) * 16777216 + (mac[off + 1] as number) * 65536 +
    (mac[off + 2] as number) * 256 + (mac[off + 3] as number);
  const s = String(bin % (POW10[digits] as number));
  return '00000000'.substring(0, digits - s.length) + s;
}

/**
 * Dynamic truncation (RFC 4226 §5.3) of an HMAC to a zero-padded decimal code.
 * The offset is the low nibble of the last byte, for SHA256/512 too (RFC 6238 §1.2 and its Appendix A code).
 */
export function truncate(mac: Uint8Array, digits: number): string {
  return dynamicTruncate(mac, checkDigits(digits));
}

/**
 * HOTP(key, counter) as a string of `digits` digits (RFC 4226 §5.3). The HMAC is the caller's: see hash.ts.
 * @throws RangeError naming the value for bad digits or a counter outside [0, 2^53).
 */
export function hotp(hmac: HmacFn, key: Uint8Array, counter: number, params?: HotpParams): string {
  const algorithm = params && params.algorithm ? params.algorithm : DEFAULT_PARAMS.algorithm;
  const digits = params && params.digits !== undefined ? checkDigits(params.digits) : DEFAULT_PARAMS.digits;
  return truncate(hmac(algorithm, key, counterBytes(counter)), digits);
}
