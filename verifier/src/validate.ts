/**
 * Checks of caller input. Each failure is a ValidationError that names the parameter and what is
 * wrong with it, but never echoes a code (a mistyped code is one digit from a valid one).
 */
import { LIMITS, SERIAL_PATTERN } from '@hwtotp/protocol';
import { VerifierError } from './errors.ts';

function invalid(message: string): VerifierError {
  return new VerifierError('ValidationError', message);
}

/** The longest name (user, device name, manufacturer, model), in UTF-16 code units after NFC. */
export const MAX_NAME_LENGTH = 128;

/**
 * Control characters: Unicode category Cc (C0, DEL and C1, whose CSI U+009B some terminals obey like
 * ESC [) and the line and paragraph separators U+2028/U+2029. They move a terminal's cursor, split a
 * log line in two, and XML 1.0 §2.2 forbids most of C0 outright.
 */
export const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;
/** A surrogate code unit standing alone: with the u flag a well-formed pair is one code point and never matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** "U+001B" for messages: control characters are named by code point, never printed. */
function codePoint(c: string): string {
  return 'U+' + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

const CONTROLS_OR_LONE = new RegExp(CONTROL_CHARACTER.source + '|' + LONE_SURROGATE.source, 'gu');

/**
 * Text made safe to quote in a message: each control character or lone surrogate is shown as
 * <U+001B>, so an error quoting hostile input never moves a terminal's cursor or breaks a log line.
 */
export function printable(text: string): string {
  return text.replace(CONTROLS_OR_LONE, (c) => '<' + codePoint(c) + '>');
}

/**
 * What is wrong with `text` as stored text, or undefined: it must be well-formed Unicode (no lone
 * surrogate, which SQLite would store as bytes no UTF-8 reader gives back) and hold no control
 * character. Shared by every path a name enters by: the CLI and HTTP (through the verifier), seed
 * files and provisioning.
 */
export function textProblem(text: string): string | undefined {
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `must be well-formed Unicode, but holds a lone surrogate (${codePoint(lone[0])}) at position ${lone.index}`;
  const control = CONTROL_CHARACTER.exec(text);
  if (control) return `must not contain control characters, but holds ${codePoint(control[0])} at position ${control.index}`;
  return undefined;
}

/**
 * What is wrong with a name, or undefined. A name is text of 1 to 128 characters in Unicode
 * Normalization Form C (UAX #15) passing textProblem; its length is counted after NFC.
 */
export function nameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  const problem = textProblem(value);
  if (problem) return problem;
  const n = value.normalize('NFC').length;
  if (n === 0 || n > MAX_NAME_LENGTH) return `must be 1 to ${MAX_NAME_LENGTH} characters, got ${n}`;
  return undefined;
}

/**
 * A name in its one stored form, NFC: "é" typed as e + U+0301 and as U+00E9 is one user, whichever
 * way the keyboard, the browser or the seed file spelled it.
 * @throws ValidationError naming `what` and the problem.
 */
export function checkName(value: unknown, what: string): string {
  const problem = nameProblem(value);
  if (problem) throw invalid(`${what} ${problem}`);
  return (value as string).normalize('NFC');
}

/** A user name, in NFC. */
export function checkUser(user: unknown): string {
  return checkName(user, 'user');
}

/** A device name (the label the user gives the token), in NFC. */
export function checkDeviceName(name: unknown): string {
  return checkName(name, 'deviceName');
}

/** A serial: 9 to 64 characters of A-Z a-z 0-9 + = / : , . @ - (SERIAL_PATTERN). */
export function checkSerial(serial: unknown, what = 'serial'): string {
  if (typeof serial !== 'string') throw invalid(`${what} must be a string, got ${typeof serial}`);
  if (!SERIAL_PATTERN.test(serial)) {
    throw invalid(`${what} must be 9 to 64 characters of A-Z a-z 0-9 + = / : , . @ -, got "${printable(serial.slice(0, 70))}"`);
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
