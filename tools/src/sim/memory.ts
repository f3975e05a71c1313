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
 * this estimate gave 5,980 for that 11,844-byte bundle.
 *
 * The simulator uses it two ways (picoMemory): what process.memory() reports when the bundle starts,
 * and whether its start-up runs out of memory.
 */
import * as acorn from 'acorn';
import { full } from 'acorn-walk';

/** Variables (13-byte blocks) on an Espruino Pico (process.memory().total). */
export const PICO_VARIABLES = 5100;
/** Characters of a string one block holds on average (1,363 blocks for 12,265 characters). */
export const CHARS_PER_BLOCK = 9;
/** Variables the running firmware holds besides its code: about 900, measured booted from Storage. */
export const RUNNING_VARIABLES = 900;

/**
 * Variables in use when a bundle booted from flash starts its board file: 417, measured with
 * process.memory() on the 5,100-variable build (the interpreter's own and the bundle's top-level
 * declarations; the code text stays in flash).
 */
export const FLASH_BOOT_VARIABLES = 417;

/**
 * What process.memory() reports in the simulator, and whether start-up runs out of memory.
 * The figures are those at the start of the bundle's code (the shim does not count allocations).
 */
export interface SimMemory {
  total: number;
  usage: number;
  /** The estimated peak (ramLoadPeak) exceeds `total`: the first Storage read (the record loader's, at start-up) ends in OUT OF MEMORY. */
  runsOut: boolean;
}

/**
 * A Pico's memory for `source` loaded from flash or to RAM. From RAM the REPL line and the wrapping
 * function's body, copied out of it, both hold the whole source while the board file starts:
 * FLASH_BOOT_VARIABLES + 2 x source / CHARS_PER_BLOCK. Measured on 2v29 at that point: 2,946 used
 * for the 11,677-byte bundle (this model: 3,013), 417 from flash.
 */
export function picoMemory(source: string, load: 'flash' | 'ram'): SimMemory {
  if (load === 'flash') return { total: PICO_VARIABLES, usage: FLASH_BOOT_VARIABLES, runsOut: false };
  return {
    total: PICO_VARIABLES,
    usage: Math.min(PICO_VARIABLES, FLASH_BOOT_VARIABLES + 2 * Math.ceil(source.length / CHARS_PER_BLOCK)),
    runsOut: ramLoadPeak(source).peak > PICO_VARIABLES,
  };
}

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
