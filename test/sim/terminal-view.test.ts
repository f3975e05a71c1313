/**
 * The interactive view's block art: half blocks when the terminal is wide enough, quadrant blocks
 * (2x2 pixels a character) to fit the usual 80 columns, each pixel landing in the right quadrant.
 */
import { describe, expect, it } from 'vitest';
import { blockArt } from '../../tools/src/sim/terminal-view.ts';

/** A fake screen whose lit pixels are listed as "x,y". */
function screen(width: number, height: number, lit: string[]) {
  const set = new Set(lit);
  return {
    pixels: () => ({
      width, height,
      pixel: (x: number, y: number): [number, number, number] => (set.has(`${x},${y}`) ? [255, 255, 255] : [0, 0, 0]),
    }),
  } as never;
}

describe('blockArt', () => {
  it('uses half blocks, one column a pixel, when the screen fits', () => {
    const art = blockArt(screen(4, 2, ['0,0', '1,1', '2,0', '2,1']), 80);
    expect(art).toEqual(['\u2580\u2584\u2588 ']);
  });

  it('uses quadrant blocks to fit a 128-pixel screen into 78 columns', () => {
    const art = blockArt(screen(128, 32, ['0,0', '3,0', '4,1', '7,1', '126,30', '127,31']), 78);
    expect(art).toHaveLength(16);
    for (const row of art) expect(row.length).toBe(64);
    // (0,0) top-left, (3,0) top-right of the 2nd cell, (4,1) bottom-left of the 3rd, (7,1) bottom-right of the 4th.
    expect(art[0]!.slice(0, 4)).toBe('\u2598\u259d\u2596\u2597');
    // (126,30) and (127,31): top-left and bottom-right of the last cell.
    expect(art[15]!.slice(-1)).toBe('\u259a');
  });

  it('samples further when even quadrants are too wide', () => {
    const art = blockArt(screen(176, 176, ['0,0']), 40);
    expect(art[0]!.length).toBeLessThanOrEqual(40);
    expect(art[0]!.charAt(0)).toBe('\u2598');
  });
});
