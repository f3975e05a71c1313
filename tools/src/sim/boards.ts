/**
 * The boards the simulator can be: protocol/src/boards.ts's table, which the firmware build and the
 * board files read too. The Bangle.js 2 LCD is 3 bits a pixel (8 colours), but its Graphics takes RGB565
 * colours and dithers them down (memlcd.ts): setColor(0xFFFF) is white there, setColor(7) a few dark blue dots.
 */
import { boardNames, boardSpec, type BoardSpec } from '@hwtotp/protocol';

/** A board name from the table (pico, banglejs2, pixljs). */
export type BoardName = string;

export type Board = BoardSpec;

/** Looks a board up by name, with an error that lists the valid names. */
export function boardByName(name: string): Board {
  const b = boardSpec(name);
  if (!b) throw new RangeError(`board must be one of ${boardNames().join(', ')}, got "${name}"`);
  return b;
}
