/**
 * The boards the simulator can be: their buttons, display, serial link and native hashes (DESIGN.md "Boards").
 * The Bangle.js 2 LCD is 3 bits a pixel (8 colours), but its Graphics takes RGB565 colours and dithers
 * them down (memlcd.ts): setColor(0xFFFF) is white there, setColor(7) a few dark blue dots.
 */

export type BoardName = 'pico' | 'banglejs2' | 'pixljs';

export interface Board {
  name: BoardName;
  /** Button globals; the first is the one press()/hold() use. */
  buttons: { name: string; pin: string }[];
  /** The built-in display (`g`), or undefined for the pico, whose SSD1306 hangs off I2C1. */
  lcd?: { width: number; height: number; bpp: 1 | 3 | 16; rgb565?: boolean };
  /** The global the protocol link is on. */
  link: 'USB' | 'Bluetooth';
  /** Hashes require("crypto") has natively. */
  hashes: ('SHA1' | 'SHA256' | 'SHA512')[];
}

export const BOARDS: { [name in BoardName]: Board } = {
  pico: { name: 'pico', buttons: [{ name: 'BTN1', pin: 'B12' }], link: 'USB', hashes: ['SHA1', 'SHA256'] },
  banglejs2: { name: 'banglejs2', buttons: [{ name: 'BTN1', pin: 'D17' }], lcd: { width: 176, height: 176, bpp: 3, rgb565: true }, link: 'Bluetooth', hashes: ['SHA1', 'SHA256'] },
  pixljs: {
    name: 'pixljs',
    buttons: [
      { name: 'BTN1', pin: 'D2' },
      { name: 'BTN2', pin: 'D3' },
      { name: 'BTN3', pin: 'D4' },
      { name: 'BTN4', pin: 'D5' },
    ],
    lcd: { width: 128, height: 64, bpp: 1 },
    link: 'Bluetooth',
    hashes: ['SHA1', 'SHA256'],
  },
};

/** Looks a board up by name, with an error that lists the valid names. */
export function boardByName(name: string): Board {
  const b = (BOARDS as { [k: string]: Board })[name];
  if (!b) throw new RangeError(`board must be one of ${Object.keys(BOARDS).join(', ')}, got "${name}"`);
  return b;
}
