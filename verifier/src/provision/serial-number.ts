/**
 * Serial numbers the verifier allocates: PREFIX + sequence (8 digits or more) + one check character.
 *
 * The check character is ISO/IEC 7064 MOD 37-2 over 0-9 A-Z (weights 2^i modulo the prime 37): it
 * catches every single-character substitution and every swap of two adjacent (or once-separated)
 * characters, the commonest ways to mistype a serial read off the back of a token. The hybrid
 * MOD 37,36 would avoid a 37th symbol but misses some adjacent swaps (about 0.3% of them).
 * MOD 37-2's 37th check symbol is "*", which a serial may not hold, so sequence numbers whose check
 * would be "*" are simply never issued (one in 37). Letters are case-insensitive for the check.
 */
import { SERIAL_PATTERN } from '@hwtotp/protocol';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 37;

function value(c: string, what: string): number {
  const v = ALPHABET.indexOf(c.toUpperCase());
  if (v < 0) throw new RangeError(`${what} may hold only letters and digits, got "${c}"`);
  return v;
}

/** The MOD 37-2 running value over the characters. */
function residue(chars: string, what: string): number {
  let p = 0;
  for (const c of chars) p = ((p + value(c, what)) * 2) % M;
  return p;
}

/**
 * The ISO 7064 MOD 37-2 check character of a string of letters and digits, or undefined when it
 * would be the symbol "*" (such a body is not issued).
 * @throws RangeError naming the offending character.
 */
export function checkCharacter(body: string): string | undefined {
  const c = (M + 1 - residue(body, 'a serial')) % M;
  return c < 36 ? ALPHABET.charAt(c) : undefined;
}

/**
 * Whether the last character of `serial` is the valid check character of the rest (case-insensitive).
 * False for serials not made by formatSerial (other characters, imported serials): use it to warn
 * about a likely typing error, together with whether the serial is known.
 */
export function validateSerialCheck(serial: string): boolean {
  if (serial.length < 2 || !/^[A-Za-z0-9]+$/.test(serial)) return false;
  return (residue(serial.slice(0, -1), 'a serial') + value(serial.slice(-1), 'a serial')) % M === 1;
}

/** Default serial prefix. */
export const DEFAULT_PREFIX = 'HWT';

/** Digits the sequence number is padded to. */
export const SEQUENCE_DIGITS = 8;

/**
 * Checks a serial prefix: 1-16 letters or digits (so the check character covers all of it).
 * @throws RangeError naming the prefix.
 */
export function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9]{1,16}$/.test(prefix)) throw new RangeError(`serial prefix must be 1 to 16 letters or digits, got "${prefix}"`);
  return prefix.toUpperCase();
}

/** Whether a sequence number can be issued under a prefix (its check character is not "*"). */
export function issuable(prefix: string, sequence: number): boolean {
  return checkCharacter(checkPrefix(prefix) + String(sequence).padStart(SEQUENCE_DIGITS, '0')) !== undefined;
}

/**
 * PREFIX + zero-padded sequence + check character, e.g. formatSerial('HWT', 42) = 'HWT00000042' + check.
 * @throws RangeError for a bad prefix or sequence, or a sequence that is not issuable().
 */
export function formatSerial(prefix: string, sequence: number): string {
  const p = checkPrefix(prefix);
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`serial sequence must be a non-negative integer, got ${sequence}`);
  const body = p + String(sequence).padStart(SEQUENCE_DIGITS, '0');
  const check = checkCharacter(body);
  if (check === undefined) throw new RangeError(`serial sequence ${sequence} is skipped under prefix ${p}: its check symbol would be "*"`);
  const serial = body + check;
  if (!SERIAL_PATTERN.test(serial) || serial.length > 64) throw new RangeError(`serial "${serial}" would not be a valid token serial`);
  return serial;
}
