/**
 * A Pico's memory, for code uploaded to RAM as the Espruino Web IDE does by default (the code sent as
 * text to the REPL), as against code saved to flash as `hwtotp flash` does.
 *
 * Espruino keeps a function's body as text. Run from flash, that text stays in flash; run from RAM,
 * it is copied out of the source for every function expression evaluated, nested ones included, while
 * the REPL line holding the whole source is still alive. So the peak is about:
 *   (source + the bodies of every function) / characters a block holds + what the firmware holds running.
 * An estimate, not a count: function bodies that are never evaluated, or collected, cost less.
 *
 * Measured on Espruino 2v29's Linux build with the Pico's 5,100 variables of 13 bytes (device/README.md):
 * a 12,265-character string took 1,363 blocks (9 characters a block); the pico bundle sent to RAM
 * stopped with OUT OF MEMORY in the record loader. On a build with 12,000 variables of 14 bytes, the
 * same upload needed about 5,500 free blocks (found by filling memory first), about 6,000 Pico blocks:
 * this estimate gives 5,980.
 */
import * as acorn from 'acorn';
import { full } from 'acorn-walk';

/** Variables (13-byte blocks) on an Espruino Pico (process.memory().total). */
export const PICO_VARIABLES = 5100;
/** Characters of a string one block holds on average (1,363 blocks for 12,265 characters). */
export const CHARS_PER_BLOCK = 9;
/** Variables the running firmware holds besides its code: about 900, measured booted from Storage. */
export const RUNNING_VARIABLES = 900;

export interface RamLoadEstimate {
  /** Blocks of the REPL line holding the whole source. */
  line: number;
  /** Blocks of the function bodies copied out of it. */
  functions: number;
  running: number;
  peak: number;
}

/** Estimates the peak variables of `source` uploaded to RAM (an ES5 script). */
export function ramLoadPeak(source: string): RamLoadEstimate {
  let bodies = 0;
  full(acorn.parse(source, { ecmaVersion: 5 }), (node) => {
    if (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration') {
      const body = (node as unknown as { body: { start: number; end: number } }).body;
      bodies += body.end - body.start;
    }
  });
  const line = Math.ceil(source.length / CHARS_PER_BLOCK);
  const functions = Math.ceil(bodies / CHARS_PER_BLOCK);
  return { line, functions, running: RUNNING_VARIABLES, peak: line + functions + RUNNING_VARIABLES };
}
