/**
 * Checks of caller input. Each failure is a ValidationError that names the parameter and what is
 * wrong with it, but never echoes a code (a mistyped code is one digit from a valid one).
 */
import { LIMITS, SERIAL_PATTERN } from '@hwtotp/protocol';
import { VerifierError } from './errors.ts';

function invalid(message: string): VerifierError {
  return new VerifierError('ValidationError', message);
}

/** A printable name of 1 to 128 characters (no control characters). */
function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${typeof value}`);
  if (value.length === 0 || value.length > 128) throw invalid(`${what} must be 1 to 128 characters, got ${value.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(`${what} must not contain control characters`);
  return value;
}

/** A user name. */
export function checkUser(user: unknown): string {
  return checkName(user, 'user');
}

/** A device name (the label the user gives the token). */
export function checkDeviceName(name: unknown): string {
  return checkName(name, 'deviceName');
}

/** A serial: 9 to 64 characters of A-Z a-z 0-9 + = / : , . @ - (SERIAL_PATTERN). */
export function checkSerial(serial: unknown, what = 'serial'): string {
  if (typeof serial !== 'string') throw invalid(`${what} must be a string, got ${typeof serial}`);
  if (!SERIAL_PATTERN.test(serial)) {
    throw invalid(`${what} must be 9 to 64 characters of A-Z a-z 0-9 + = / : , . @ -, got "${serial.slice(0, 70)}"`);
  }
  return serial;
}

/**
 * A code as typed: only digits, 6 to 8 of them, or exactly `digits` when the token is known.
 * Returns its numeric value.
 */
export function parseCode(code: unknown, what: string, digits?: number): number {
  if (typeof code !== 'string') throw invalid(`${what} must be a string of digits, got ${typeof code}`);
  if (!/^[0-9]*$/.test(code)) throw invalid(`${what} must contain only the digits 0-9`);
  if (digits !== undefined && code.length !== digits) {
    throw invalid(`${what} must be ${digits} digits for this token, got ${code.length}`);
  }
  const { min, max } = LIMITS.digits;
  if (code.length < min || code.length > max) throw invalid(`${what} must be ${min} to ${max} digits, got ${code.length}`);
  return Number(code);
}
