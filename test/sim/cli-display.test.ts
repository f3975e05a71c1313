/**
 * `hwtotp sim --json` as a separate process (events on stdout, commands on stdin), the PNG renderer,
 * and the SSD1306 decoder against the datasheet's addressing modes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderPng, startSimulator } from '@hwtotp/tools/sim';
import { Ssd1306 } from '../../tools/src/sim/ssd1306.ts';
import { Framebuffer } from '../../tools/src/sim/graphics.ts';
import { hasGlyph } from '../../tools/src/sim/font6x8.ts';
import { SEED_HEX, SERIAL, TokenClient, bundle, codeOnScreen, oathtool, tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '../../tools/bin/hwtotp.js');

type SimEvent = { event: string; [k: string]: unknown };

/** `hwtotp sim --json` as a process: its events as they arrive, and a wait for the next that matches. */
function spawnSim(args: string[]) {
  const proc = spawn(process.execPath, [BIN, 'sim', '--json', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: SimEvent[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    events.push(JSON.parse(l));
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (pred: (e: SimEvent) => boolean, from = 0) => {
    const deadline = performance.now() + 5000;
    for (;;) {
      const e = events.slice(from).find(pred);
      if (e) return e;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no such event within 5 s; events since ${from}: ${JSON.stringify(events.slice(from))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, left);
      });
    }
  };
  return { proc, events, next };
}

describe('hwtotp sim --json', () => {
  it('prints ready with the port, a display event per press, errors for bad commands, and quits', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const t0 = performance.now();
    const { proc, events, next } = spawnSim(['--board', 'pico', '--clock', 'virtual', '--state', state, '--bundle', bundle('pico')]);
    const ready = await next((e) => e.event === 'ready');
    const processReadyMs = performance.now() - t0;
    console.log(`sim CLI: process spawn to ready ${Math.round(processReadyMs)} ms`);
    expect(Object.keys(ready)).toEqual(['event', 'port']);
    expect(typeof ready.port).toBe('string');
    // the screen drawn at power-up, before the command listened, comes right after ready
    await next((e) => e.event === 'display');
    expect(events.slice(0, 2)).toEqual([ready, { event: 'display', lines: ['NOT PROVISIONED'] }]);

    const client = await TokenClient.open(ready.port as string);
    const prov = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: '1800000000' });
    expect(prov.op).toBe('OK');

    let from = events.length;
    proc.stdin.write('advance 1\npress\n'); // a second passes before the press, as for a person
    const shown = await next((e) => e.event === 'display' && codeOnScreen(e.lines as string[]) !== undefined, from);
    expect(codeOnScreen(shown.lines as string[])).toBe(oathtool(SEED_HEX, 1800000001));

    from = events.length;
    proc.stdin.write('press\n'); // unchanged screen: still an event
    expect((await next((e) => e.event === 'display', from)).lines).toEqual(shown.lines);

    from = events.length;
    proc.stdin.write('frobnicate\n');
    expect((await next((e) => e.event === 'error', from)).message).toMatch(/unknown command "frobnicate"/);

    from = events.length;
    proc.stdin.write('advance 30\n');
    const changed = await next((e) => e.event === 'display', from);
    expect(changed.lines).not.toEqual(shown.lines); // a new code, or the screen went dark

    const png = join(dir, 'screen.png');
    from = events.length;
    proc.stdin.write(`png ${png}\nhold x\n`);
    expect((await next((e) => e.event === 'error', from)).message).toMatch(/hold needs a number of seconds/);
    expect(existsSync(png)).toBe(true);

    await client.close();
    proc.stdin.write('quit\n');
    const code = await new Promise<number | null>((r) => proc.on('exit', r));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(state, 'utf8')).format).toBe('hwtotp-sim-state/1');
  });

  it('sends every screen a hold draws, in order: the presence countdown, then the screen after the deny', async () => {
    const { proc, events, next } = spawnSim(['--board', 'pico', '--clock', 'virtual', '--bundle', bundle('pico')]);
    const ready = await next((e) => e.event === 'ready');
    const client = await TokenClient.open(ready.port as string);
    try {
      expect((await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: '1800000000' })).op).toBe('OK');
      // the prompt is up (sent as it appeared, with no command running)
      let from = events.length;
      const settime = client.request('SETTIME', { time: '1800000100' });
      await next((e) => e.event === 'display' && (e.lines as string[])[0] === 'PRESS TO CONFIRM', from);

      // held past HOLD_MS (2 s): the prompt counts down while held, then the token refuses
      from = events.length;
      proc.stdin.write('hold 3\nfrobnicate\n'); // the error marks the end of the hold, as commands run in order
      await next((e) => e.event === 'error', from);
      expect((await settime).args.code).toBe('PRESENCE_DENIED');
      const during = events.slice(from, events.findIndex((e, i) => i >= from && e.event === 'error'));
      expect(during.every((e) => e.event === 'display')).toBe(true);
      const screens = during.map((e) => e.lines as string[]);
      expect(screens[0]).toEqual(['PRESS TO CONFIRM', 'SET TIME', '9s']); // a tick while held
      const after = screens[screens.length - 1]!;
      expect(codeOnScreen(after)).toBe(oathtool(SEED_HEX, 1800000002)); // the deny brings the code back
      expect(screens.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < screens.length; i++) expect(screens[i]).not.toEqual(screens[i - 1]); // each change once

      // a press that changes nothing still answers, with the same screen
      from = events.length;
      proc.stdin.write('press\nfrobnicate\n');
      await next((e) => e.event === 'error', from);
      expect(events.slice(from, -1)).toEqual([{ event: 'display', lines: after }]);
    } finally {
      await client.close();
      proc.stdin.write('quit\n');
    }
    expect(await new Promise((r) => proc.on('exit', r))).toBe(0);
  });

  it('refuses a bad board with a usage error (exit 2)', async () => {
    const proc = spawn(process.execPath, [BIN, 'sim', '--board', 'z80'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    expect(await new Promise((r) => proc.on('exit', r))).toBe(2);
    expect(err).toMatch(/board must be one of pico, banglejs2, pixljs, got "z80"/);
  });
});

describe('display', () => {
  it('PNG shows the pico screen white on black at x4, with the code drawn', async () => {
    const sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    try {
      const dark = PNG.sync.read(renderPng(sim.pixels()));
      expect([dark.width, dark.height]).toEqual([512, 128]);
      const client = await TokenClient.open(sim.port);
      await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(Math.floor(sim.time())) });
      await client.close();
      await sim.advance(1);
      await sim.press();
      const file = join(tempDir(), 'code.png');
      await sim.png(file);
      const img = PNG.sync.read(readFileSync(file));
      const colours = new Set<string>();
      let lit = 0;
      for (let i = 0; i < img.data.length; i += 4) {
        colours.add(`${img.data[i]},${img.data[i + 1]},${img.data[i + 2]}`);
        if (img.data[i]) lit++;
      }
      expect([...colours].sort()).toEqual(['0,0,0', '255,255,255']);
      expect(lit % 16).toBe(0); // whole 4x4 blocks
      expect(lit).toBeGreaterThan(100 * 16);
    } finally {
      await sim.stop();
    }
  });

  it('SSD1306: horizontal mode with column/page windows, page mode, 32-row mux, inverse and off', () => {
    const d = new Ssd1306();
    d.write([0x00, 0xa8, 31, 0xa1, 0xc8, 0x20, 0x00, 0x21, 10, 11, 0x22, 1, 2, 0xaf]);
    expect(d.height).toBe(32);
    d.write([0x40, 0x01, 0x80, 0xff, 0x00]); // window 10..11 x pages 1..2, wraps to the next page
    expect(d.lit(10, 8)).toBe(true); // page 1 bit 0
    expect(d.lit(11, 15)).toBe(true); // page 1 bit 7
    expect(d.lit(10, 16)).toBe(true); // page 2, all bits
    expect(d.lit(10, 23)).toBe(true);
    expect(d.lit(11, 16)).toBe(false);
    d.write([0x00, 0x20, 0x02, 0xb3, 0x05, 0x10]); // page mode, page 3, column 5
    d.write([0x40, 0x10]);
    expect(d.lit(5, 28)).toBe(true);
    d.write([0x80, 0xa7]); // single command with Co=1: inverse
    expect(d.lit(5, 28)).toBe(false);
    expect(d.lit(0, 0)).toBe(true);
    d.write([0x00, 0xae]);
    expect(d.lit(0, 0)).toBe(false);
  });
});

describe('graphics', () => {
  const fb = () => new Framebuffer(128, 64, 1, { vertical_byte: true }, new ArrayBuffer(1024));

  it('the 6x8 font covers printable ASCII and measures like Espruino (6 px a character a scale step)', () => {
    for (let c = 32; c < 127; c++) expect(hasGlyph(String.fromCharCode(c))).toBe(true);
    expect(hasGlyph('\u00e9')).toBe(false);
    const f = fb();
    f.font = { kind: '6x8', scale: 2 };
    expect(f.stringWidth('123 456')).toBe(84);
    expect(f.fontHeight()).toBe(16);
    f.font = { kind: 'vector', px: 20 };
    expect(f.fontHeight()).toBe(20);
    expect(f.stringWidth('12')).toBe(30);
  });

  it('tracks text as lines; text or a rectangle drawn over it replaces it; alignment moves the box', () => {
    const f = fb();
    f.alignX = 0;
    f.drawString('123 456', 64, 0, false);
    f.drawString('9s', 64, 10, false);
    f.drawString('HWT', 0, 11, false);
    expect(f.lines()).toEqual(['123 456', 'HWT 9s']);
    f.drawString('8s', 64, 10, false);
    expect(f.lines()).toEqual(['123 456', 'HWT 8s']);
    f.fillRect(0, 0, 127, 8, 0);
    expect(f.lines()).toEqual(['HWT 8s']);
    expect(f.text.find((t) => t.text === '8s')).toMatchObject({ x: 58, w: 12 });
    f.clear();
    expect(f.lines()).toEqual([]);
  });

  it('vertical_byte layout puts 8 rows in one byte, as the SSD1306 wants', () => {
    const f = fb();
    f.setPixel(3, 9, 1);
    expect(f.bytes[128 + 3]).toBe(0b10);
    const row = new Framebuffer(16, 2, 1, {}, new ArrayBuffer(4));
    row.setPixel(9, 0, 1);
    expect(row.bytes[1]).toBe(0b10);
  });
});
