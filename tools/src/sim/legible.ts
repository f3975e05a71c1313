/**
 * Whether a piece of text can be read off a display: the simulator counts text as shown only when
 * the pixels the panel actually shows spell it. The firmware's intent (the Graphics text log) is not
 * enough: a panel that reads the bytes in another bit order, or a colour the panel dithers to a few
 * dark dots, shows nothing readable, and a person looking at the token would see no code.
 *
 * The rule: every ink pixel of the text shows one colour, every other pixel of its box shows one
 * other colour, and the two differ in brightness by at least half the range.
 */
import { TextItem } from './graphics.ts';

/** A pixel as the panel shows it, [r, g, b] 0..255. */
export type ShownPixel = (x: number, y: number) => [number, number, number];

const luma = (p: [number, number, number]) => (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255;

/** True when `item` reads on a `width` x `height` panel showing `shown` (text beyond the edge is cut off). */
export function legible(item: TextItem, width: number, height: number, shown: ShownPixel): boolean {
  const ink = new Set(item.ink);
  if (ink.size === 0) return false;
  let fg: string | undefined, bg: string | undefined, fgLuma = 0, bgLuma = 0;
  for (let y = Math.max(0, item.y); y < Math.min(height, item.y + item.h); y++)
    for (let x = Math.max(0, item.x); x < Math.min(width, item.x + item.w); x++) {
      const p = shown(x, y);
      const key = p.join(',');
      if (ink.has(y * width + x)) {
        if (fg === undefined) {
          fg = key;
          fgLuma = luma(p);
        } else if (fg !== key) return false;
      } else if (bg === undefined) {
        bg = key;
        bgLuma = luma(p);
      } else if (bg !== key) return false;
    }
  return bg === undefined || Math.abs(fgLuma - bgLuma) >= 0.5;
}
