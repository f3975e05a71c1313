/**
 * Bangle.js 2's memory LCD (LPM013M126, 3 bits a pixel) as Espruino 2v29 drives it: Graphics colours
 * are RGB565, and each pixel written is reduced to the panel's 3 bits (bit 0 red, bit 1 green, bit 2
 * blue) after a 2x2 ordered (Bayer) dither. So white is 0xFFFF; a small number such as 7 is a very dark
 * blue that lights one pixel in four. Measured on the 2v29 emulator: setColor(7) drew only colour 4.
 *
 * Our own arithmetic for the same rule: keep the top 3 bits of each channel, add the threshold of the
 * pixel's place in the 2x2 pattern, and a channel is on when that sum reaches the next power of two.
 */

/** Threshold (0..7, in eighths of a channel) for a pixel at (x, y): the 2x2 Bayer matrix scaled to 8. */
const BAYER = [
  [1, 5],
  [7, 3],
];

/** The panel's 3-bit colour for RGB565 colour `c` at pixel (x, y). */
export function memlcd3(c: number, x: number, y: number): number {
  const t = BAYER[y & 1]![x & 1]!;
  const on = (top3: number) => (top3 + t >= 8 ? 1 : 0);
  const r = (c >> 13) & 7, g = (c >> 8) & 7, b = (c >> 2) & 7;
  return on(r) | (on(g) << 1) | (on(b) << 2);
}

/** RGB565 for red, green and blue in 0..1 (Espruino's setColor(r, g, b)). */
export function rgb565(r: number, g: number, b: number): number {
  const clamp = (v: number) => Math.max(0, Math.min(1, v));
  return (Math.round(clamp(r) * 31) << 11) | (Math.round(clamp(g) * 63) << 5) | Math.round(clamp(b) * 31);
}
