/**
 * Wire protocol v1 operations, error codes and argument rules (see protocol/PROTOCOL.md).
 * Both ends validate with these functions, so they cannot disagree about what is well formed.
 */
import { isAlgorithm } from './hash.ts';
import { hexToBytes, isInteger, toHex } from './bytes.ts';
import { isCanonicalInt, pattern } from './lex.ts';
import { DEFAULT_PARAMS, LIMITS, MAX_TIME, MIN_TIME, TokenParams } from './params.ts';

/** The protocol version this code speaks. A host refuses a token that reports another. */
export const PROTOCOL_VERSION = 1;

/** Request operations. */
export const OP = {
  HELLO: 'HELLO',
  PROVISION: 'PROVISION',
  SETTIME: 'SETTIME',
  WIPE: 'WIPE',
  PING: 'PING',
};

/** Reply operations: success, failure, and "waiting for a button press" before the final reply. */
export const REPLY = { OK: 'OK', ERR: 'ERR', WAIT: 'WAIT' };

/** Stable error codes carried in `ERR code=...`. */
export const ERROR = {
  BAD_FRAME: 'BAD_FRAME',
  BAD_CHECKSUM: 'BAD_CHECKSUM',
  TOO_LONG: 'TOO_LONG',
  UNKNOWN_OP: 'UNKNOWN_OP',
  BAD_ARG: 'BAD_ARG',
  WRONG_STATE: 'WRONG_STATE',
  PRESENCE_REQUIRED: 'PRESENCE_REQUIRED',
  PRESENCE_DENIED: 'PRESENCE_DENIED',
  STORAGE: 'STORAGE',
  BUSY: 'BUSY',
};

/** Token states reported by HELLO. */
export const STATE = { BLANK: 'blank', PROVISIONED: 'provisioned' };

/** Serial numbers: 9-64 characters of [A-Za-z0-9+=/:,.@-] (the AWS serial alphabet). */
// "/" is escaped even inside the class: Espruino's lexer may end a regex literal at a bare one.
// eslint-disable-next-line no-useless-escape
export const SERIAL_PATTERN = pattern(/^[A-Za-z0-9+=\/:,.@-]+$/, 9, 64);

/** Provisioning parameters after validation. */
export interface ProvisionArgs extends TokenParams {
  serial: string;
  secret: Uint8Array;
  time: number;
}

/** Either a value or the reason it was refused, so callers need no try/catch on the device. */
export interface Checked<T> { value?: T; error?: string }

/**
 * Reads an integer argument in canonical decimal (no "+", no leading zeros, at most 16 digits) and
 * checks its range. The error names the argument and its rule, and never quotes the value (PROTOCOL.md §11).
 */
export function parseIntArg(args: { [k: string]: string }, name: string, min: number, max: number): Checked<number> {
  const raw = args[name];
  if (raw === undefined) return { error: name + ' is missing' };
  if (!isCanonicalInt(raw, 16, true)) return { error: name + ' must be an integer in canonical decimal' };
  const n = parseInt(raw, 10);
  if (!isInteger(n) || n < min || n > max) return { error: name + ' must be from ' + min + ' to ' + max + ', got ' + n };
  return { value: n };
}

/** Validates a time argument (UNIX seconds). */
export function parseTimeArg(args: { [k: string]: string }): Checked<number> {
  return parseIntArg(args, 'time', MIN_TIME, MAX_TIME);
}

/**
 * Validates PROVISION arguments (PROTOCOL.md §7.2): serial, secret (hex), alg, digits, period,
 * t0 (optional, default 0, not after time) and time, each within params.ts's LIMITS.
 * Error messages never quote the secret.
 */
export function parseProvisionArgs(args: { [k: string]: string }): Checked<ProvisionArgs> {
  const serial = args.serial;
  if (serial === undefined) return { error: 'serial is missing' };
  if (!SERIAL_PATTERN.test(serial)) {
    return { error: 'serial must be 9-64 of [A-Za-z0-9+=/:,.@-], got ' + serial.length + ' characters' };
  }
  // The secret is described by its length and the position of a bad digit, never quoted.
  const hex = args.secret;
  if (hex === undefined) return { error: 'secret is missing' };
  let bad = -1;
  for (let i = 0; i < hex.length && bad < 0; i++) if ('0123456789abcdefABCDEF'.indexOf(hex.charAt(i)) < 0) bad = i;
  if (bad >= 0) return { error: 'secret must be hex, with a bad character at position ' + bad };
  const bytes = LIMITS.secretBytes;
  if (hex.length % 2 !== 0 || hex.length < 2 * bytes.min || hex.length > 2 * bytes.max) {
    return { error: 'secret must be ' + bytes.min + ' to ' + bytes.max + ' bytes in hex, got ' + hex.length + ' hex digits' };
  }
  const alg = args.alg;
  if (alg === undefined) return { error: 'alg is missing' };
  if (!isAlgorithm(alg)) return { error: 'alg must be SHA1, SHA256 or SHA512' };
  const digits = parseIntArg(args, 'digits', LIMITS.digits.min, LIMITS.digits.max);
  if (digits.error) return { error: digits.error };
  const period = parseIntArg(args, 'period', LIMITS.period.min, LIMITS.period.max);
  if (period.error) return { error: period.error };
  let t0: Checked<number> = { value: DEFAULT_PARAMS.t0 };
  if (args.t0 !== undefined) t0 = parseIntArg(args, 't0', LIMITS.t0.min, LIMITS.t0.max);
  if (t0.error) return { error: t0.error };
  const time = parseTimeArg(args);
  if (time.error) return { error: time.error };
  if ((t0.value as number) > (time.value as number)) return { error: 't0 must not be after time' };
  return {
    value: {
      serial: serial,
      secret: hexToBytes(hex),
      algorithm: alg,
      digits: digits.value as number,
      period: period.value as number,
      t0: t0.value as number,
      time: time.value as number,
    },
  };
}

/**
 * The arguments of a PROVISION request for `p` (host side), in the order of the spec. The secret
 * goes out as lower-case hex; t0 is sent only when it is not 0.
 */
export function provisionRequestArgs(p: ProvisionArgs): { [k: string]: string } {
  const a: { [k: string]: string } = {
    serial: p.serial,
    secret: toHex(p.secret),
    alg: p.algorithm,
    digits: String(p.digits),
    period: String(p.period),
  };
  if (p.t0) a.t0 = String(p.t0);
  a.time = String(p.time);
  return a;
}
