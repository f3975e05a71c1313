/**
 * What the token's screen shows: pixels (for PNG and the terminal view) and the text last drawn (for
 * tests and `display` events).
 * - pico: the SSD1306 on I2C1 shows what the firmware sent it. The text is that of the Graphics the
 *   firmware last drew on, taken when it sends pixel data, so text drawn but never sent is not "shown".
 * - On every board, a piece of text counts as shown only when the panel's pixels spell it (legible.ts):
 *   bytes sent in the wrong bit order, or a colour the panel shows as scattered dark dots, show nothing.
 * - banglejs2/pixljs: `g` is the built-in LCD. What is drawn shows on g.flip(), and Espruino also flips
 *   a changed `g` when it goes idle. Bangle.setLCDPower(false) blanks it.
 */
import { Framebuffer, TextItem, textLines } from './graphics.ts';
import { legible } from './legible.ts';
import { Ssd1306 } from './ssd1306.ts';

export interface Display {
  readonly width: number;
  readonly height: number;
  /** Colour of a visible pixel as [r, g, b] 0..255. */
  pixel(x: number, y: number): [number, number, number];
  /** Visible text, one string a line, top to bottom; [] when the screen is dark. */
  lines(): string[];
  /** Called when the token goes idle. */
  idle(): void;
}

const WHITE: [number, number, number] = [255, 255, 255];
const BLACK: [number, number, number] = [0, 0, 0];

export class OledDisplay implements Display {
  readonly ssd = new Ssd1306();
  private lastDrawn: Framebuffer | undefined;
  private text: TextItem[] = [];
  readonly width = 128;

  get height(): number {
    return this.ssd.height;
  }

  /** The firmware drew on a Graphics (the one it will presumably send next). */
  drawn(fb: Framebuffer): void {
    this.lastDrawn = fb;
  }

  /** An I2C write reached the controller. */
  i2c(bytes: number[]): void {
    const before = this.ssd.writes;
    this.ssd.write(bytes);
    if (this.ssd.writes !== before) this.text = this.lastDrawn ? this.lastDrawn.text.slice() : [];
  }

  pixel(x: number, y: number): [number, number, number] {
    return this.ssd.lit(x, y) ? WHITE : BLACK;
  }

  lines(): string[] {
    if (!this.ssd.on || this.ssd.allOn) return [];
    return textLines(this.text.filter((t) => legible(t, this.width, this.height, (x, y) => this.pixel(x, y))));
  }

  idle(): void {}
}

export class LcdDisplay implements Display {
  private shown: Uint8Array;
  private shownVersion = -1;
  private text: TextItem[] = [];
  power = true;

  constructor(readonly fb: Framebuffer) {
    this.shown = fb.bytes.slice();
  }

  get width(): number {
    return this.fb.width;
  }

  get height(): number {
    return this.fb.height;
  }

  flip(): void {
    this.shown = this.fb.bytes.slice();
    this.shownVersion = this.fb.version;
    // the shown pixels change only here: decide now which text they spell
    this.text = this.fb.text.filter((t) => legible(t, this.width, this.height, (x, y) => this.shownPixel(x, y)));
  }

  idle(): void {
    if (this.fb.version !== this.shownVersion) this.flip();
  }

  pixel(x: number, y: number): [number, number, number] {
    return this.power ? this.shownPixel(x, y) : BLACK;
  }

  /** The pixel last flipped to the panel, whatever the power. */
  private shownPixel(x: number, y: number): [number, number, number] {
    if (this.fb.bpp === 1) {
      const n = y * this.fb.width + x;
      return (this.shown[n >> 3]! >> (this.fb.opts.msb ? 7 - (n & 7) : n & 7)) & 1 ? WHITE : BLACK;
    }
    if (this.fb.bpp === 3) {
      // Bangle.js 2's panel: bit 0 red, bit 1 green, bit 2 blue (memlcd.ts)
      const v = this.shown[y * this.fb.width + x]!;
      return [v & 1 ? 255 : 0, v & 2 ? 255 : 0, v & 4 ? 255 : 0];
    }
    const i = (y * this.fb.width + x) * 2;
    const c = this.shown[i]! | (this.shown[i + 1]! << 8);
    return [((c >> 11) & 31) * 255 / 31, ((c >> 5) & 63) * 255 / 63, (c & 31) * 255 / 31].map(Math.round) as [number, number, number];
  }

  lines(): string[] {
    return this.power ? textLines(this.text) : [];
  }
}
