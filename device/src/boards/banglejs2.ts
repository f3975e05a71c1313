/** Bangle.js 2: BTN1, its 176x176 screen as `g`, the protocol over Bluetooth (its console link). */
import { BANGLEJS2 } from '@hwtotp/protocol';
import { startToken } from '../core/token.ts';
import { espruinoHal } from './espruino.ts';
import { render } from '../drivers/render.ts';
import { Graphics } from '../drivers/graphics.ts';

declare const g: Graphics;
declare const BTN1: unknown;
declare const Bangle: { setLCDPower(on: boolean): void; setOptions(o: { btnLoadTimeout: number }): void };
declare const Bluetooth: { on(e: 'data', f: (d: string) => void): void; write(s: string): void };

// The watch reloads its default app when BTN1 is held 1.5 s, before our 2 s hold could refuse a
// presence request: turn that off, so a hold means "no" here as on the other boards.
Bangle.setOptions({ btnLoadTimeout: 0 });

startToken(espruinoHal(BANGLEJS2.name, BANGLEJS2.hashes, BTN1, Bluetooth, {
  show: function (lines, bar) {
    Bangle.setLCDPower(true);
    render(g, lines, bar, 7);
    g.flip();
  },
  off: function () {
    Bangle.setLCDPower(false);
  },
}));
