/** Pixl.js: BTN1 (of four), its 128x64 LCD as `g` (drawn with g.flip()), the protocol over Bluetooth. */
import { PIXLJS } from '@hwtotp/protocol';
import { startToken } from '../core/token.ts';
import { espruinoHal } from './espruino.ts';
import { render } from '../drivers/render.ts';
import { Graphics } from '../drivers/graphics.ts';

declare const g: Graphics;
declare const BTN1: unknown;
declare const Bluetooth: { on(e: 'data', f: (d: string) => void): void; write(s: string): void };

startToken(espruinoHal(PIXLJS.name, PIXLJS.hashes, BTN1, Bluetooth, {
  show: function (lines, bar) {
    render(g, lines, bar, 1);
    g.flip();
  },
  off: function () {
    g.clear();
    g.flip();
  },
}));
