/**
 * The hardware abstraction layer: everything the token core needs from a board, and nothing more.
 *
 * The core (./core) talks only to this interface, so it runs unchanged on Espruino (bound to its
 * globals by ./boards/<board>.ts) and on Node (an in-memory HAL in the tests). Device code is ES5:
 * plain objects of functions, no classes with inheritance. device/README.md lists each member and
 * whether a board must provide it.
 */
import { HashTable } from '@hwtotp/protocol';

/** A timer handle, whatever the board's setTimeout returns. */
export type TimerId = unknown;

/** The board's binding of the hardware. */
export interface Hal {
  /** Board name as HELLO reports it: pico, banglejs2 or pixljs. */
  board: string;
  /** The native hashes the board has (require("crypto")). An algorithm missing here is refused at PROVISION. */
  hashes: HashTable;
  /** CRC-32 of a byte string (E.CRC32 on Espruino; the core takes it >>> 0, so signed is fine). */
  crc32(data: string): number;

  /** Calls fn on every button edge: true when pressed, false when released. Debounced by the board. */
  onButton(fn: (down: boolean) => void): void;

  /**
   * Shows lines of text, top to bottom, the first one large, with a countdown bar along the bottom
   * filled to `bar` (0..1); a negative bar draws none. Turns the display on if it was off.
   */
  show(lines: string[], bar: number): void;
  /** Turns the display dark (and its backlight or panel off where it has one). */
  off(): void;

  /** The clock: UTC seconds since 1970, fractional. */
  now(): number;
  /** Sets the clock to UTC seconds. */
  setTime(seconds: number): void;

  /** Record storage (Espruino's require("Storage") has exactly this shape). */
  storage: HalStorage;
  /** The serial link that carries the protocol (USB or Bluetooth on Espruino). */
  link: HalLink;

  /** Runs fn once after ms milliseconds. */
  after(ms: number, fn: () => void): TimerId;
  /**
   * Cancels a timer from after(). Must ignore undefined and a timer that already ran (Espruino's
   * clearTimeout throws on an unknown id, and with no id clears every timer).
   */
  cancel(id: TimerId): void;

  /** Random bytes from the hardware generator (E.hwRand). Optional: the core does not use it, so no board binds it yet. */
  random?(n: number): Uint8Array;
}

/** Durable records, as Espruino's Storage library. */
export interface HalStorage {
  /** Reads a record, or undefined when there is none. May throw on a flash fault. */
  read(name: string): string | undefined;
  /** Writes a record. Returns false or throws on failure; a power loss may cut it at any point. */
  write(name: string, data: string): boolean;
  /** Deletes a record; no error when it is absent. Its bytes stay in flash until compact(). */
  erase(name: string): void;
  /** Rewrites flash without deleted records, so their bytes are gone (Espruino: Storage.compact()). */
  compact(): void;
}

/** A serial link, as Espruino's USB and Bluetooth objects. */
export interface HalLink {
  /** Sends text. */
  write(text: string): void;
  /** Calls fn with each chunk of text that arrives, split anywhere. */
  on(event: 'data', fn: (chunk: string) => void): void;
}
