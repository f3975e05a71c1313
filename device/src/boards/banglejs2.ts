/** Bangle.js 2: BTN1, its 176x176 screen as `g`, the protocol over Bluetooth (its console link). */
import { BANGLEJS2 } from '@hwtotp/protocol';
import { startToken } from '../core/token.ts';
import { espruinoHal } from './espruino.ts';
import { renderLarge } from '../drivers/render.ts';
import { Graphics } from '../drivers/graphics.ts';

declare const g: Graphics;
declare const BTN1: unknown;
declare const Bangle: {
  setLCDPower(on: boolean): void;
  setOptions(o: { btnLoadTimeout: number; lockTimeout: number; backlightTimeout: number; lcdPowerTimeout: number }): void;
  isLocked(): boolean;
  setLocked(locked: boolean): void;
};
declare const Bluetooth: { on(e: 'data', f: (d: string) => void): void; write(s: string): void };

// Every press must reach the token (device/README.md, "Bangle.js 2 presses"):
// - btnLoadTimeout 0: the watch would reload its default app when BTN1 is held 1.5 s, before our 2 s
//   hold could refuse a presence request;
// - lockTimeout, backlightTimeout, lcdPowerTimeout 0: the watch's own button handler swallows a press
//   that wakes the backlight or the screen or unlocks the watch, and drops every press while locked.
//   With no timeouts it never locks, and the token alone decides when the screen is dark.
Bangle.setOptions({ btnLoadTimeout: 0, lockTimeout: 0, backlightTimeout: 0, lcdPowerTimeout: 0 });

startToken(espruinoHal(BANGLEJS2.name, BANGLEJS2.hashes, BTN1, Bluetooth, {
  show: function (lines, bar) {
    // locked by something else (another app, or before we started): presses would be dropped
    if (Bangle.isLocked()) Bangle.setLocked(false);
    Bangle.setLCDPower(true);
    // a number is a raw RGB565 colour on this screen: 0xFFFF is white (7 would be dark blue dots)
    renderLarge(g, lines, bar, 0xffff);
    g.flip();
  },
  off: function () {
    Bangle.setLCDPower(false);
  },
}));
