/**
 * Espruino's Graphics class, the part the firmware uses: a framebuffer laid out as Espruino lays out
 * Graphics.createArrayBuffer (1 bpp row-major or `vertical_byte` for SSD1306 pages, 8 and 16 bpp
 * row-major little-endian; the Bangle.js 2 LCD's 3 bpp is held a byte a pixel), rectangles, and text in a 6x8 font (scaled) or a Vector font.
 *
 * Vector fonts are approximated by the 6x8 glyphs scaled to the requested pixel height (width 6/8 of
 * the height per character); real Vector glyphs are proportional, so widths differ by a few pixels.
 *
 * Besides pixels it keeps a log of the text drawn and where, so tests can read the screen: drawing text
 * or filling a rectangle over earlier text (its centre) removes that text, clear() empties the log.
 */
import { CELL_H, CELL_W, glyph } from './font6x8.ts';
import { memlcd3 } from './memlcd.ts';

/**
 * One piece of text on the screen, with its bounding box and its ink: the indexes (y * width + x) of
 * the pixels its glyphs set, so a display can check that what it shows there is readable (legible.ts).
 */
export interface TextItem { text: string; x: number; y: number; w: number; h: number; ink: number[] }

export interface GraphicsOptions {
  vertical_byte?: boolean;
  /**
   * Bit order in a byte. With `vertical_byte`, msb puts the top row of each 8-row page in bit 7.
   * Espruino 2v25 and later default it to true for every createArrayBuffer (its ChangeLog;
   * measured on 2v29: setPixel(0, 0) on a vertical_byte buffer gives byte 128).
   */
  msb?: boolean;
  /**
   * Bangle.js 2's built-in LCD: colours are RGB565 (a number passed to setColor is one, raw), and each
   * pixel is stored as the panel's 3 bits after a 2x2 Bayer dither (memlcd.ts).
   */
  rgb565?: boolean;
}

type Font = { kind: '6x8'; scale: number } | { kind: 'vector'; px: number };

/** The pixels and text of one Graphics instance. */
export class Framebuffer {
  readonly bytes: Uint8Array;
  fg: number;
  bg = 0;
  font: Font = { kind: '6x8', scale: 1 };
  alignX = -1;
  alignY = -1;
  text: TextItem[] = [];
  /** Incremented on every drawing operation (the display uses it to know what changed). */
  version = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly bpp: number,
    readonly opts: GraphicsOptions,
    buffer: ArrayBuffer,
  ) {
    this.bytes = new Uint8Array(buffer);
    this.fg = opts.rgb565 ? 0xffff : bpp >= 32 ? 0xffffffff : (1 << bpp) - 1;
  }

  /** Bytes a framebuffer of this geometry needs. */
  static byteLength(width: number, height: number, bpp: number): number {
    // 2..7 bpp (only the Bangle.js 2 LCD's 3 bpp here) is kept one byte a pixel: it is never exposed as .buffer
    return bpp > 1 && bpp < 8 ? width * height : Math.ceil((width * height * bpp) / 8);
  }

  setPixel(x: number, y: number, c: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const b = this.bytes;
    if (this.bpp === 1) {
      let i: number, bit: number;
      if (this.opts.vertical_byte) {
        i = x + (y >> 3) * this.width;
        bit = this.opts.msb ? 7 - (y & 7) : y & 7;
      } else {
        const n = y * this.width + x;
        i = n >> 3;
        bit = this.opts.msb ? 7 - (n & 7) : n & 7;
      }
      if (c & 1) b[i]! |= 1 << bit;
      else b[i]! &= ~(1 << bit);
    } else if (this.bpp <= 8) {
      b[y * this.width + x] = this.opts.rgb565 ? memlcd3(c, x, y) : c & 0xff;
    } else {
      const i = (y * this.width + x) * 2;
      b[i] = c & 0xff;
      b[i + 1] = (c >> 8) & 0xff;
    }
  }

  getPixel(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0;
    const b = this.bytes;
    if (this.bpp === 1) {
      if (this.opts.vertical_byte) return (b[x + (y >> 3) * this.width]! >> (this.opts.msb ? 7 - (y & 7) : y & 7)) & 1;
      const n = y * this.width + x;
      return (b[n >> 3]! >> (this.opts.msb ? 7 - (n & 7) : n & 7)) & 1;
    }
    if (this.bpp <= 8) return b[y * this.width + x]!;
    const i = (y * this.width + x) * 2;
    return b[i]! | (b[i + 1]! << 8);
  }

  /** Fills an inclusive rectangle, clipped, without touching the text log. */
  fillRaw(x1: number, y1: number, x2: number, y2: number, c: number): void {
    const xa = Math.max(0, Math.round(Math.min(x1, x2))), xb = Math.min(this.width - 1, Math.round(Math.max(x1, x2)));
    const ya = Math.max(0, Math.round(Math.min(y1, y2))), yb = Math.min(this.height - 1, Math.round(Math.max(y1, y2)));
    for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) this.setPixel(x, y, c);
    this.version++;
  }

  /** Removes logged text whose centre lies in the rectangle (it has been painted over). */
  private eraseText(x1: number, y1: number, x2: number, y2: number): void {
    const xa = Math.min(x1, x2), xb = Math.max(x1, x2), ya = Math.min(y1, y2), yb = Math.max(y1, y2);
    this.text = this.text.filter((t) => {
      const cx = t.x + t.w / 2, cy = t.y + t.h / 2;
      return !(cx >= xa && cx <= xb + 1 && cy >= ya && cy <= yb + 1);
    });
  }

  fillRect(x1: number, y1: number, x2: number, y2: number, c: number): void {
    this.fillRaw(x1, y1, x2, y2, c);
    this.eraseText(x1, y1, x2, y2);
  }

  drawRect(x1: number, y1: number, x2: number, y2: number, c: number): void {
    this.fillRaw(x1, y1, x2, y1, c);
    this.fillRaw(x1, y2, x2, y2, c);
    this.fillRaw(x1, y1, x1, y2, c);
    this.fillRaw(x2, y1, x2, y2, c);
  }

  clear(): void {
    this.fillRaw(0, 0, this.width - 1, this.height - 1, this.bg);
    this.text = [];
  }

  /** Width of one character cell and the line height, in pixels, for the current font. */
  cell(): { w: number; h: number } {
    return this.font.kind === '6x8' ? { w: CELL_W * this.font.scale, h: CELL_H * this.font.scale } : { w: (this.font.px * CELL_W) / CELL_H, h: this.font.px };
  }

  stringWidth(s: string): number {
    const w = this.cell().w;
    return Math.round(Math.max(0, ...s.split('\n').map((l) => l.length)) * w);
  }

  fontHeight(): number {
    return Math.round(this.cell().h);
  }

  drawString(s: string, x: number, y: number, solid: boolean): void {
    const { w: cw, h: ch } = this.cell();
    const lines = s.split('\n');
    const width = this.stringWidth(s);
    const height = Math.round(lines.length * ch);
    const left = Math.round(x - (width * (this.alignX + 1)) / 2);
    const top = Math.round(y - (height * (this.alignY + 1)) / 2);
    if (solid) this.fillRaw(left, top, left + width - 1, top + height - 1, this.bg);
    const f = ch / CELL_H;
    const inks: number[][] = [];
    lines.forEach((line, li) => {
      const ly = top + li * ch;
      const ink = new Set<number>();
      for (let i = 0; i < line.length; i++) {
        const gx = left + i * cw;
        const rows = glyph(line[i]!);
        for (let r = 0; r < rows.length; r++)
          for (let c = 0; c < rows[r]!.length; c++) {
            if (!rows[r]![c]) continue;
            const x1 = Math.floor(gx + c * f), y1 = Math.floor(ly + r * f), x2 = Math.ceil(gx + (c + 1) * f) - 1, y2 = Math.ceil(ly + (r + 1) * f) - 1;
            this.fillRaw(x1, y1, x2, y2, this.fg);
            for (let y = Math.max(0, y1); y <= Math.min(this.height - 1, y2); y++)
              for (let x = Math.max(0, x1); x <= Math.min(this.width - 1, x2); x++) ink.add(y * this.width + x);
          }
      }
      inks.push([...ink]);
    });
    this.version++;
    if (s.trim() === '') return;
    this.eraseText(left, top, left + width - 1, top + height - 1);
    lines.forEach((line, li) => {
      if (line.trim() !== '') this.text.push({ text: line, x: left, y: top + Math.round(li * ch), w: Math.round(line.length * cw), h: Math.round(ch), ink: inks[li]! });
    });
  }

  /** The text on screen as lines, top to bottom, pieces on one line joined left to right by a space. */
  lines(): string[] {
    return textLines(this.text);
  }
}

/** Text items as lines, top to bottom, pieces on one line joined left to right by a space. */
export function textLines(text: TextItem[]): string[] {
  const items = text.slice().sort((a, b) => a.y - b.y || a.x - b.x);
  const rows: TextItem[][] = [];
  for (const t of items) {
    const row = rows.find((r) => r.some((o) => Math.min(o.y + o.h, t.y + t.h) - Math.max(o.y, t.y) >= Math.min(o.h, t.h) / 2));
    if (row) row.push(t);
    else rows.push([t]);
  }
  return rows.map((r) => r.sort((a, b) => a.x - b.x).map((t) => t.text.trim()).join(' '));
}
