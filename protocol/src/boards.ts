/**
 * The boards the firmware is built for: the one table the board files, the firmware build, the
 * simulator and the HELLO checker read. Adding a board is one entry here plus its board file in
 * device/src/boards/<name>.ts.
 *
 * Each board is its own constant so that a board file importing one pulls only that one into its
 * bundle (rollup drops the others, terser keeps only the fields the file reads).
 */
import { HashAlgorithm } from './hash.ts';

/** One board. */
export interface BoardSpec {
  /** The name HELLO reports and `--board` takes. */
  name: string;
  /** Hashes the board's require("crypto") computes natively; PROVISION refuses any other. */
  hashes: HashAlgorithm[];
  /** The Espruino global the protocol runs on. */
  link: 'USB' | 'Bluetooth';
  /** Button globals and their pins; the firmware reads the first. */
  buttons: { name: string; pin: string }[];
  /**
   * The display: its size in pixels and bits per pixel, and whether it is the board's own `g`
   * (an LCD) or an SSD1306 OLED the board file drives over I2C. rgb565: a number given to
   * g.setColor is a raw RGB565 colour, which the panel dithers to its own depth.
   */
  screen: { width: number; height: number; bpp: 1 | 3 | 16; kind: 'lcd' | 'ssd1306'; rgb565?: boolean };
  /** Largest minified bundle the build writes, in bytes, where the board's memory sets one. */
  budget?: number;
}

/** Espruino Pico: an SSD1306 128x32 OLED on I2C1, the protocol on USB. 12 KB of bundle leaves room for its 5,100 variables. */
export const PICO: BoardSpec = {
  name: 'pico', hashes: ['SHA1', 'SHA256'], link: 'USB', buttons: [{ name: 'BTN1', pin: 'B12' }],
  screen: { width: 128, height: 32, bpp: 1, kind: 'ssd1306' }, budget: 12288,
};

/** Bangle.js 2: its 176x176 3-bit LCD, one button, the protocol over Bluetooth. */
export const BANGLEJS2: BoardSpec = {
  name: 'banglejs2', hashes: ['SHA1', 'SHA256'], link: 'Bluetooth', buttons: [{ name: 'BTN1', pin: 'D17' }],
  screen: { width: 176, height: 176, bpp: 3, kind: 'lcd', rgb565: true },
};

/** Pixl.js: its 128x64 LCD, four buttons (the firmware uses BTN1), the protocol over Bluetooth. */
export const PIXLJS: BoardSpec = {
  name: 'pixljs', hashes: ['SHA1', 'SHA256'], link: 'Bluetooth',
  buttons: [{ name: 'BTN1', pin: 'D2' }, { name: 'BTN2', pin: 'D3' }, { name: 'BTN3', pin: 'D4' }, { name: 'BTN4', pin: 'D5' }],
  screen: { width: 128, height: 64, bpp: 1, kind: 'lcd' },
};

/** Every board, in the order help text lists them. */
export const BOARDS: BoardSpec[] = [PICO, BANGLEJS2, PIXLJS];

/** The board of that name, or undefined. */
export function boardSpec(name: string): BoardSpec | undefined {
  for (let i = 0; i < BOARDS.length; i++) if ((BOARDS[i] as BoardSpec).name === name) return BOARDS[i];
  return undefined;
}

/** The names of every board. */
export function boardNames(): string[] {
  const out: string[] = [];
  for (let i = 0; i < BOARDS.length; i++) out.push((BOARDS[i] as BoardSpec).name);
  return out;
}
