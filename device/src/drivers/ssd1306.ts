/**
 * A minimal SSD1306 OLED driver over I2C, written for this project (datasheet: Solomon Systech
 * SSD1306 rev 1.1, §9 command table and §10.1.3 page addressing).
 *
 * The frame buffer is a 1-bit Graphics.createArrayBuffer(128, h, 1, {vertical_byte: true, msb: false}):
 * each byte is a column of 8 pixels with the top one in bit 0, bytes run left to right then page by
 * page, which is exactly the controller's page layout (§10.1.3). `msb: false` is required: since
 * Espruino 2v25 a vertical_byte buffer defaults to msb: true (top row in bit 7), which the panel shows
 * as every 8-row band upside down. flip() sends each page with page addressing (0xB0 | page, column 0).
 */

/** The I2C bus methods the driver needs. */
export interface I2CBus { writeTo(address: number, data: number[] | Uint8Array): void }

/** A display on the bus. */
export interface Ssd1306 {
  /** Sends the buffer to the panel and turns it on. */
  flip(): void;
  /** Turns the panel off (display sleep, 0xAE); the next flip turns it back on. */
  off(): void;
}

/**
 * Initialises the controller for a 128-column panel of `height` 32 or 64 rows, and returns the
 * driver for `buffer` (the Graphics object's .buffer).
 */
export function ssd1306(i2c: I2CBus, address: number, height: number, buffer: ArrayBuffer): Ssd1306 {
  function cmd(bytes: number[]): void {
    // Control byte 0x00: the rest of the transfer is commands.
    i2c.writeTo(address, [0].concat(bytes));
  }
  cmd([
    0xae, // display off while configuring
    0xd5, 0x80, // clock divide ratio / oscillator frequency (reset value)
    0xa8, height - 1, // multiplex ratio = rows - 1
    0xd3, 0x00, // display offset 0
    0x40, // start line 0
    0x8d, 0x14, // charge pump on (no external VCC on these modules)
    0x20, 0x02, // page addressing mode
    0xa1, // segment remap: column 127 is SEG0 (panel mounted rotated)
    0xc8, // COM scan from COM[N-1] to COM0
    0xda, height === 64 ? 0x12 : 0x02, // COM pins: alternative for 64 rows, sequential for 32
    0x81, 0xcf, // contrast
    0xd9, 0xf1, // pre-charge period
    0xdb, 0x40, // VCOMH deselect level
    0xa4, // display follows RAM
    0xa6, // not inverted
  ]);
  const pages = height / 8;
  const chunk = new Uint8Array(129);
  return {
    flip: function () {
      const bytes = new Uint8Array(buffer);
      for (let p = 0; p < pages; p++) {
        cmd([0xb0 | p, 0x00, 0x10]);
        chunk[0] = 0x40; // control byte: the rest is display data
        chunk.set(bytes.subarray(p * 128, p * 128 + 128), 1);
        i2c.writeTo(address, chunk);
      }
      cmd([0xaf]); // display on (a no-op when it is on already)
    },
    off: function () {
      cmd([0xae]);
    },
  };
}
