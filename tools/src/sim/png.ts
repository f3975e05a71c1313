/** Renders what the simulated screen shows to a PNG, each pixel as a 4x4 block so it is readable. */
import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { Display } from './display.ts';

export const PNG_SCALE = 4;

/** PNG bytes of the screen as it is now. */
export function renderPng(display: Pick<Display, 'width' | 'height' | 'pixel'>, scale = PNG_SCALE): Buffer {
  const png = new PNG({ width: display.width * scale, height: display.height * scale });
  for (let y = 0; y < display.height; y++)
    for (let x = 0; x < display.width; x++) {
      const [r, g, b] = display.pixel(x, y);
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = ((y * scale + dy) * png.width + x * scale + dx) * 4;
          png.data[i] = r;
          png.data[i + 1] = g;
          png.data[i + 2] = b;
          png.data[i + 3] = 255;
        }
    }
  return PNG.sync.write(png);
}

/** Writes the screen to `file` as PNG. */
export async function writePng(display: Pick<Display, 'width' | 'height' | 'pixel'>, file: string): Promise<void> {
  if (!file) throw new TypeError('png: a file name is required');
  await writeFile(file, renderPng(display));
}
