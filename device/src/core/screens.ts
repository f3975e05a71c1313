/**
 * What the token shows, as lines of text. Pure functions: the board's renderer draws the first line
 * large and the others small, with the countdown bar along the bottom (hal.ts, show()).
 */

/** Shown by a blank token, with its serial number underneath when it has one. */
export const NOT_PROVISIONED = 'NOT PROVISIONED';
/** Shown instead of a code while the clock has never been set (or was lost with the power). */
export const CLOCK_NOT_SET = 'CLOCK NOT SET';
/** First line of the presence prompt; the second names the operation. */
export const PRESS_TO_CONFIRM = 'PRESS TO CONFIRM';

/** Groups a code for reading: "123 456", "1234 5678", "123 4567". */
export function groupCode(code: string): string {
  const half = Math.floor(code.length / 2);
  return code.substring(0, half) + ' ' + code.substring(half);
}

/** A status line followed by the serial number when there is one. */
export function statusLines(status: string, serial: string | undefined): string[] {
  return serial ? [status, serial] : [status];
}

/** The code screen: the grouped code and the whole seconds it stays valid. */
export function codeLines(code: string, secondsLeft: number): string[] {
  return [groupCode(code), secondsLeft + 's'];
}

/** The presence prompt for an operation ("WIPE", "SET TIME") and the seconds left to press. */
export function presenceLines(what: string, secondsLeft: number): string[] {
  return [PRESS_TO_CONFIRM, what, secondsLeft + 's'];
}
