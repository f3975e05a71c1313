/**
 * Espruino Pico: BTN1, an SSD1306 128x32 OLED on I2C1 (SCL B6, SDA B7, address 0x3C), the protocol
 * on USB, as the board table (protocol/src/boards.ts) says.
 */
import { PICO } from '@hwtotp/protocol';
import { startToken } from '../core/token.ts';
import { espruinoHal } from './espruino.ts';
import { ssd1306 } from '../drivers/ssd1306.ts';
import { render } from '../drivers/render.ts';
import { Graphics as Gfx } from '../drivers/graphics.ts';

declare const I2C1: { setup(o: object): void; writeTo(a: number, d: number[] | Uint8Array): void };
declare const B6: unknown, B7: unknown, BTN1: unknown;
declare const Graphics: { createArrayBuffer(w: number, h: number, bpp: number, o: object): Gfx };
declare const USB: { on(e: 'data', f: (d: string) => void): void; write(s: string): void };

declare const process: { memory(): { free: number } };
declare function print(text: string): void;

/**
 * Free variables (13-byte blocks) below which the token does not start. Measured on Espruino 2v29
 * with a Pico's 5,100 variables, here, before anything below runs: booted from flash 4,683 are free
 * (the token then runs in about 1,960 used); uploaded to RAM (the Web IDE's default) only 2,122,
 * because the REPL line and the copied function text still hold the code, and the start-up that
 * follows dies with OUT OF MEMORY after the console has left USB. 3,000 lies between the two with
 * room on both sides (device/README.md, "Uploading to RAM").
 */
const RAM_FREE_MIN = 3000;

// The panel's size is the board table's (protocol/src/boards.ts): a 128x64 panel is a change there.
const HEIGHT = PICO.screen.height;
// Said on the console, still USB, so whoever uploaded the code sees why the token does not start.
if (process.memory().free < RAM_FREE_MIN) print('hwtotp: not enough memory to run from RAM; save to flash (hwtotp flash)');
else {
  I2C1.setup({ scl: B6, sda: B7, bitrate: 400000 });
  // msb: false puts the top row of each page in bit 0, as the SSD1306 wants; Espruino 2v25+ defaults to true.
  const gr = Graphics.createArrayBuffer(PICO.screen.width, HEIGHT, 1, { vertical_byte: true, msb: false });
  const oled = ssd1306(I2C1, 0x3c, HEIGHT, gr.buffer);

  startToken(espruinoHal(PICO.name, PICO.hashes, BTN1, USB, {
    show: function (lines, bar) {
      render(gr, lines, bar, 1);
      oled.flip();
    },
    off: oled.off,
  }));
}
