/**
 * An SSD1306 OLED controller as it looks from its I2C side (SSD1306 datasheet rev 1.1, sections 8.1.5
 * (I2C control byte), 9 (command table) and 10.1.3 (addressing modes)).
 *
 * Each I2C write starts with a control byte: 0x00 = the rest are commands, 0x40 = the rest are GDDRAM
 * data, 0x80/0xC0 = one command/data byte follows, then another control byte. Data bytes land in the
 * 128x64 GDDRAM (8 pages of vertical bytes, bit 0 at the top) at the pointer that page, horizontal or
 * vertical addressing mode moves. What is visible follows the multiplex ratio (0xA8: 32 or 64 rows),
 * display on/off, inverse, and the segment/COM remaps; A1 + C8 (the usual module init) is upright.
 */

/** Commands followed by that many argument bytes. */
const ARGS: { [cmd: number]: number } = {
  0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8d: 1, 0xa3: 2, 0xa8: 1, 0xad: 1, 0xd3: 1, 0xd5: 1, 0xd8: 1, 0xd9: 1, 0xda: 1, 0xdb: 1,
  0x26: 6, 0x27: 6, 0x29: 5, 0x2a: 5,
};

export class Ssd1306 {
  readonly ram = new Uint8Array(128 * 8);
  on = false;
  inverse = false;
  allOn = false;
  segRemap = false;
  comRemap = false;
  mux = 64;
  contrast = 0x7f;
  startLine = 0;
  mode = 2; // page addressing after reset
  colStart = 0;
  colEnd = 127;
  pageStart = 0;
  pageEnd = 7;
  col = 0;
  page = 0;
  /** Count of data bytes written so far (the display knows it changed). */
  writes = 0;
  private cmd: number[] = [];

  /** One I2C write transaction addressed to the controller. */
  write(bytes: number[]): void {
    let i = 0;
    while (i < bytes.length) {
      const control = bytes[i++]!;
      const single = (control & 0x80) !== 0;
      const isData = (control & 0x40) !== 0;
      const end = single ? Math.min(i + 1, bytes.length) : bytes.length;
      for (; i < end; i++) {
        if (isData) this.data(bytes[i]!);
        else this.command(bytes[i]!);
      }
    }
  }

  private data(b: number): void {
    this.ram[this.page * 128 + this.col] = b;
    this.writes++;
    if (this.mode === 0) {
      if (++this.col > this.colEnd) {
        this.col = this.colStart;
        if (++this.page > this.pageEnd) this.page = this.pageStart;
      }
    } else if (this.mode === 1) {
      if (++this.page > this.pageEnd) {
        this.page = this.pageStart;
        if (++this.col > this.colEnd) this.col = this.colStart;
      }
    } else if (++this.col > 127) this.col = 0;
  }

  private command(b: number): void {
    this.cmd.push(b);
    const need = ARGS[this.cmd[0]!] ?? 0;
    if (this.cmd.length <= need) return;
    const [c, a1, a2] = this.cmd as [number, number?, number?];
    this.cmd = [];
    if (c === 0xae || c === 0xaf) this.on = c === 0xaf;
    else if (c === 0xa6 || c === 0xa7) this.inverse = c === 0xa7;
    else if (c === 0xa4 || c === 0xa5) this.allOn = c === 0xa5;
    else if (c === 0xa0 || c === 0xa1) this.segRemap = c === 0xa1;
    else if (c === 0xc0 || c === 0xc8) this.comRemap = c === 0xc8;
    else if (c === 0x81) this.contrast = a1!;
    else if (c === 0xa8) this.mux = Math.max(16, Math.min(64, (a1! & 0x3f) + 1));
    else if (c === 0x20) this.mode = a1! & 3;
    else if (c === 0x21) {
      this.colStart = this.col = a1! & 0x7f;
      this.colEnd = a2! & 0x7f;
    } else if (c === 0x22) {
      this.pageStart = this.page = a1! & 7;
      this.pageEnd = a2! & 7;
    } else if (c >= 0xb0 && c <= 0xb7) this.page = c & 7;
    else if (c <= 0x0f) this.col = (this.col & 0xf0) | c;
    else if (c >= 0x10 && c <= 0x1f) this.col = ((c & 0x0f) << 4) | (this.col & 0x0f);
    else if (c >= 0x40 && c <= 0x7f) this.startLine = c & 0x3f;
    // the rest (clock, charge pump, pre-charge, scrolling...) do not change what the pixels show here
  }

  /** Visible size: 128 columns by the multiplex ratio. */
  get height(): number {
    return this.mux;
  }

  /** Whether the pixel at screen (x, y) is lit. */
  lit(x: number, y: number): boolean {
    if (!this.on) return false;
    if (this.allOn) return true;
    const col = this.segRemap ? x : 127 - x;
    const row = ((this.comRemap ? y : this.mux - 1 - y) + this.startLine) & 63;
    const bit = (this.ram[(row >> 3) * 128 + col]! >> (row & 7)) & 1;
    return (bit === 1) !== this.inverse;
  }
}
