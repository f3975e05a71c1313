/**
 * The HAL members every Espruino board binds the same way: native hashes, CRC, clock, Storage,
 * timers, the button watch and the serial link. A board file adds its display and picks its link.
 *
 * Only the Espruino globals the simulator shims are used here (tools/src/espruino-check/globals.ts).
 */
import { Hal, HalLink } from '../hal.ts';
import { HashFn, HashTable } from '@hwtotp/protocol';

declare const E: { CRC32(s: string): number };
declare function getTime(): number;
declare function setTime(t: number): void;
declare function setWatch(fn: (e: { state: boolean }) => void, pin: unknown, opts: object): unknown;
declare const LoopbackA: { setConsole(force: boolean): void };
// Espruino's own globals (not Node's: this package compiles without Node's types).
declare function require(module: string): any;
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function echo(on: boolean): void;

/** How a board's display is driven. */
export interface Display { show(lines: string[], bar: number): void; off(): void }

function nativeHash(h: (data: ArrayBuffer) => ArrayBuffer): HashFn {
  // Copy first: the native hash takes an ArrayBuffer, and a view's .buffer may hold more than the view.
  return function (data: Uint8Array) {
    return new Uint8Array(h(new Uint8Array(data).buffer));
  };
}

/**
 * Builds the HAL of an Espruino board. `hashes` names the algorithms its require("crypto") has.
 * Takes the console off the link first, quietly, so the link carries only the protocol frames, never a
 * REPL or a console message.
 */
export function espruinoHal(board: string, hashes: string[], button: unknown, link: HalLink, display: Display): Hal {
  // With echo on, moving the console prints "-> LoopbackA" on the link (measured on Espruino 2v29).
  echo(false);
  LoopbackA.setConsole(true);
  const crypto = require('crypto');
  const table: HashTable = {};
  for (let i = 0; i < hashes.length; i++) {
    (table as { [k: string]: HashFn })[hashes[i] as string] = nativeHash(crypto[hashes[i] as string]);
  }
  return {
    board: board,
    hashes: table,
    crc32: E.CRC32,
    onButton: function (fn) {
      setWatch(function (e) { fn(e.state); }, button, { repeat: true, edge: 'both', debounce: 25 });
    },
    show: display.show,
    off: display.off,
    now: getTime,
    setTime: setTime,
    storage: require('Storage'),
    link: link,
    after: function (ms, fn) { return setTimeout(fn, ms); },
    cancel: function (id) {
      // Espruino throws on a timer that already ran, and clears every timer when given none.
      try {
        if (id !== undefined) clearTimeout(id as number);
      } catch {
        // Already ran: nothing to cancel.
      }
    },
  };
}
