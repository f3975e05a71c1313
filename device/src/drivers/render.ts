/**
 * Draws a screen of text lines (hal.ts show()) on an Espruino Graphics object with the built-in 6x8
 * font: from the top, the first line large (twice the others' size where it fits the width), the
 * others at 1x on short screens and 2x on tall ones, and the countdown bar along the bottom edge.
 * Touches no global: the board passes `gr`. Kept small for the pico's 12 KB budget.
 */
import { Graphics } from './graphics.ts';

/** Renders `lines` and a bar filled to `bar` (0..1; negative: no bar) in colour `fg` on black. */
export function render(gr: Graphics, lines: string[], bar: number, fg: number): void {
  const w = gr.getWidth();
  const h = gr.getHeight();
  const size = h > 32 ? 2 : 1;
  let y = 0;
  // clear() fills with the background colour, which is 0 on the pico's and the Pixl.js's buffers:
  // Espruino gives array-buffer graphics bgColor 0 and no theme (the Pixl.js's g is one too).
  gr.clear();
  gr.setColor(fg);
  gr.setFontAlign(0, -1);
  for (let i = 0; i < lines.length; i++) {
    const s = Math.max(1, Math.min(i ? size : 2 * size, Math.floor(w / 6 / (lines[i] as string).length)));
    gr.setFont('6x8', s);
    gr.drawString(lines[i] as string, w / 2, y);
    y += 8 * s + 1;
  }
  if (bar >= 0) gr.fillRect(0, h - 3 * size, Math.round((w - 1) * bar), h - 1);
}

/**
 * For a tall screen (Bangle.js 2, 176x176): each line as large as fits its width (the first up to 5x,
 * the others up to 3x the 6x8 font), the block centred in the space above a thicker countdown bar.
 * The pico never links this, so it costs its budget nothing.
 */
export function renderLarge(gr: Graphics, lines: string[], bar: number, fg: number): void {
  const w = gr.getWidth();
  const h = gr.getHeight();
  const scales: number[] = [];
  let y = h - 8;
  for (let i = 0; i < lines.length; i++) {
    scales[i] = Math.max(1, Math.min(i ? 3 : 5, Math.floor(w / 6 / (lines[i] as string).length)));
    y -= 8 * (scales[i] as number) + 4;
  }
  y = Math.floor(y / 2);
  gr.clear();
  gr.setColor(0);
  gr.fillRect(0, 0, w, h);
  gr.setColor(fg);
  gr.setFontAlign(0, -1);
  for (let i = 0; i < lines.length; i++) {
    gr.setFont('6x8', scales[i] as number);
    gr.drawString(lines[i] as string, w / 2, y);
    y += 8 * (scales[i] as number) + 4;
  }
  if (bar >= 0) gr.fillRect(0, h - 6, Math.round((w - 1) * bar), h - 1);
}
