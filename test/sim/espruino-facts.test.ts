/**
 * Facts about Espruino 2v29 that its own interpreter showed (device/README.md, "Measured on Espruino
 * 2v29") and the simulator models: each is checked once with a small hand-written bundle (the fact
 * itself) and once with the real firmware bundle (that the token copes with it). The firmware checks
 * fail on the bundles built before these facts were modelled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, crc32 } from '@hwtotp/protocol';
import { BoardName, Simulator, startSimulator } from '@hwtotp/tools/sim';
import { PICO_VARIABLES, ramLoadPeak } from '../../tools/src/sim/memory.ts';
import { SEED_HEX, SERIAL, TokenClient, aMomentLater, bundle, codeOnScreen, oathtool, tempDir, stopSim } from './helpers.ts';

let sim: Simulator | undefined;
let client: TokenClient | undefined;
afterEach(async () => {
  await stopSim(client, sim);
  client = sim = undefined;
});

/** Starts the simulator on a hand-written bundle. */
async function handWritten(board: BoardName, lines: string[]): Promise<Simulator> {
  const file = join(tempDir(), 'bundle.js');
  writeFileSync(file, lines.join('\n'));
  return startSimulator({ board, bundle: file, clock: 'virtual' });
}

async function provision(s: Simulator, c: TokenClient): Promise<void> {
  const r = await c.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(Math.floor(s.time())) });
  expect(r.op).toBe('OK');
}

/** Rows of the screen holding a pixel brighter than mid-grey, top to bottom. */
function litRows(s: Simulator, maxY: number): number[] {
  const p = s.pixels();
  const rows: number[] = [];
  for (let y = 0; y < Math.min(p.height, maxY); y++)
    for (let x = 0; x < p.width; x++) {
      const [r, g, b] = p.pixel(x, y);
      if (r + g + b > 384) {
        rows.push(y);
        break;
      }
    }
  return rows;
}

describe('vertical_byte buffers default to msb: true (top row in bit 7)', () => {
  it('setPixel(0, 0) sets bit 7 unless msb: false is given', async () => {
    sim = await handWritten('pico', [
      'var S = require("Storage");',
      'var a = Graphics.createArrayBuffer(8, 8, 1, { vertical_byte: true }); a.fillRect(0, 0, 0, 0);',
      'var b = Graphics.createArrayBuffer(8, 8, 1, { vertical_byte: true, msb: false }); b.fillRect(0, 0, 0, 0);',
      'S.write("bytes", new Uint8Array(a.buffer)[0] + "," + new Uint8Array(b.buffer)[0]);',
    ]);
    expect(sim.files().get('bytes')).toBe('128,1');
  });

  it('the SSD1306 panel shows text sent from a default buffer as unreadable, from an msb: false one as text', async () => {
    const source = readFileSync(join(import.meta.dirname, 'fixtures', 'mini-token.js'), 'utf8');
    const file = join(tempDir(), 'default-msb.js');
    writeFileSync(file, source.replace('{ vertical_byte: true, msb: false }', '{ vertical_byte: true }'));
    expect(readFileSync(file, 'utf8')).not.toBe(source);
    sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual' });
    expect(sim.screen()).toEqual([]);
    await sim.stop();
    sim = await startSimulator({ board: 'pico', bundle: join(import.meta.dirname, 'fixtures', 'mini-token.js'), clock: 'virtual' });
    expect(sim.screen()[0]).toBe('HELLO');
  });

  it('firmware: the pico panel spells NOT PROVISIONED and the code', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    expect(sim.screen()).toEqual(['NOT PROVISIONED']);
    client = await TokenClient.open(sim.port);
    await provision(sim, client);
    await aMomentLater(sim);
    expect(codeOnScreen(await sim.press())).toBe(oathtool(SEED_HEX, sim.time()));
  });
});

describe('Bangle.js 2: a number given to setColor is a raw RGB565 colour', () => {
  it('setColor(7) draws scattered dark blue dots nobody can read; 0xFFFF and (1, 1, 1) draw white text', async () => {
    const lit: { [color: string]: number } = {};
    for (const [color, expected] of [['7', []], ['0xFFFF', ['AB']], ['1, 1, 1', ['AB']]] as const) {
      sim = await handWritten('banglejs2', [`g.setColor(0).fillRect(0, 0, 175, 175).setColor(${color}).setFont("6x8", 4).setFontAlign(-1, -1).drawString("AB", 0, 0); g.flip();`]);
      expect(sim.screen()).toEqual(expected);
      const p = sim.pixels();
      const colours = new Set<string>();
      lit[color] = 0;
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 48; x++) {
          const c = p.pixel(x, y);
          if (c.some((v) => v > 0)) {
            lit[color]!++;
            colours.add(c.join(','));
          }
        }
      expect([...colours]).toEqual([color === '7' ? '0,0,255' : '255,255,255']);
      await sim.stop();
    }
    sim = undefined;
    // the 2x2 dither lights one pixel in four of a colour that dark
    expect(lit['0xFFFF']).toBe(lit['1, 1, 1']);
    expect(lit['7']! * 4).toBe(lit['0xFFFF']);
  });

  it('firmware: white text, the code large and centred above the countdown', async () => {
    sim = await startSimulator({ board: 'banglejs2', bundle: bundle('banglejs2'), clock: 'virtual' });
    expect(sim.screen()[0]).toBe('NOT PROVISIONED');
    client = await TokenClient.open(sim.port);
    await provision(sim, client);
    await aMomentLater(sim);
    expect(codeOnScreen(await sim.press())).toBe(oathtool(SEED_HEX, sim.time()));
    const rows = litRows(sim, 160); // above the bar
    // the code's first run of lit rows is at least 4x the 6x8 font; the whole block sits mid-screen
    let run = 1;
    while (rows[run] === rows[0]! + run) run++;
    expect(run).toBeGreaterThanOrEqual(26);
    expect(rows[0]).toBeGreaterThan(30);
    expect(rows[rows.length - 1]).toBeLessThan(146);
  });
});

describe("Bangle.js 2's OS keeps presses that wake or unlock the watch", () => {
  const counter = [
    'var S = require("Storage"), n = 0;',
    'setWatch(function (e) { if (e.state) S.write("n", String(++n)); }, BTN1, { repeat: true, edge: "both", debounce: 25 });',
    'function report() { S.write("locked", String(Bangle.isLocked())); }',
  ];
  const presses = (s: Simulator) => Number(s.files().get('n') ?? 0);

  it('by default: the backlight goes off after 3 s and the watch locks after 5 s; each first press only wakes it', async () => {
    sim = await handWritten('banglejs2', counter);
    await sim.press();
    expect(presses(sim)).toBe(1);
    await sim.advance(3.5); // backlight off, not locked
    await sim.press();
    expect(presses(sim)).toBe(1);
    await sim.advance(0.5);
    await sim.press();
    expect(presses(sim)).toBe(2);
    await sim.advance(6); // locked
    await sim.press();
    expect(presses(sim)).toBe(2);
    await sim.advance(0.5);
    await sim.press();
    expect(presses(sim)).toBe(3);
  });

  it('a locked watch drops every press when lockTimeout is 0; isLocked/setLocked; unknown or mistyped options are refused', async () => {
    sim = await handWritten('banglejs2', [
      ...counter,
      'Bangle.setOptions({ lockTimeout: 0, backlightTimeout: 0, lcdPowerTimeout: 0 }); Bangle.setLocked(true); report();',
      'setTimeout(function () { Bangle.setLocked(false); report(); }, 10000);',
    ]);
    expect(sim.files().get('locked')).toBe('true');
    for (let i = 0; i < 3; i++) {
      await sim.press();
      await sim.advance(0.5);
    }
    expect(presses(sim)).toBe(0);
    await sim.advance(10);
    expect(sim.files().get('locked')).toBe('false');
    await sim.advance(60);
    await sim.press();
    expect(presses(sim)).toBe(1);
    await sim.stop();
    await expect(handWritten('banglejs2', ['Bangle.setOptions({ wakeOnTouch: true });'])).rejects.toThrow('Espruino shim: Bangle.setOptions option "wakeOnTouch" is not implemented');
    await expect(handWritten('banglejs2', ['Bangle.setOptions({ lockTimeout: "5" });'])).rejects.toThrow(/lockTimeout must be a number/);
    sim = undefined;
  });

  it('firmware: one press shows the code on a watch left alone (dark, locked)', async () => {
    sim = await startSimulator({ board: 'banglejs2', bundle: bundle('banglejs2'), clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    await provision(sim, client);
    await sim.advance(60);
    expect(sim.screen()).toEqual([]);
    await aMomentLater(sim);
    expect(codeOnScreen(await sim.press())).toBe(oathtool(SEED_HEX, sim.time()));
  });

  it('firmware: one short press confirms WIPE on a watch left alone', async () => {
    sim = await startSimulator({ board: 'banglejs2', bundle: bundle('banglejs2'), clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    await provision(sim, client);
    await sim.advance(60);
    let waited!: () => void;
    const waiting = new Promise<void>((r) => (waited = r));
    const reply = client.request('WIPE', {}, { onWait: () => waited(), timeoutMs: 5000 });
    await waiting;
    await sim.settled();
    await sim.advance(6); // as long as a person takes to reach for the watch: past the default lock
    expect(sim.screen().join(' ')).toMatch(/PRESS TO CONFIRM/);
    await sim.press();
    expect((await reply).op).toBe('OK');
  });
});

describe('moving the console with echo on prints "-> LoopbackA" on the link', () => {
  it('hand-written: echo on prints it, echo(0) first keeps the link quiet', async () => {
    for (const [prelude, expected] of [['', '-> LoopbackA\r\n'], ['echo(0);', '']] as const) {
      sim = await handWritten('pico', [`${prelude} LoopbackA.setConsole(true); USB.write("ready\\n");`]);
      expect(sim.sent()).toBe(expected + 'ready\n');
      await sim.stop();
    }
    sim = undefined;
  });

  for (const board of ['pico', 'banglejs2', 'pixljs'] as const) {
    it(`firmware (${board}): nothing but frames on the link`, async () => {
      sim = await startSimulator({ board, bundle: bundle(board), clock: 'virtual' });
      client = await TokenClient.open(sim.port);
      const hello = await client.request('HELLO');
      expect(hello.op).toBe('OK');
      // everything the token sent since power-up decodes as frames: no console line before or between
      const results = new FrameDecoder(crc32).push(sim.sent());
      expect(results.map((r) => r.error ?? r.frame!.op)).toEqual(['OK']);
      expect(sim.sent()).not.toMatch(/LoopbackA/);
    });
  }
});

describe('a Pico has 5,100 variables: code uploaded to RAM keeps its text there', () => {
  const REFUSAL = 'hwtotp: not enough memory to run from RAM; save to flash (hwtotp flash)\r\n';

  it('hand-written: process.memory() reports less free from RAM; a bundle too big for RAM dies at its first Storage read', async () => {
    const probe = ['USB.write("free=" + process.memory().free + " of " + process.memory().total + "\\n");'];
    for (const load of ['flash', 'ram'] as const) {
      const file = join(tempDir(), 'probe.js');
      writeFileSync(file, probe.join('\n'));
      sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual', load });
      const free = Number(/^free=(\d+) of 5100\n$/.exec(sim.sent())?.[1]);
      // flash: 4,683 as measured on 2v29; RAM: less by the REPL line and the copied function text
      if (load === 'flash') expect(free).toBe(PICO_VARIABLES - 417);
      else expect(free).toBe(PICO_VARIABLES - 417 - 2 * Math.ceil(probe.join('\n').length / 9));
      await sim.stop();
    }
    // a body of 40,000 characters: the estimated peak in RAM is well over 5,100 variables
    const big = ['(function () {', '  echo(0); LoopbackA.setConsole(true);', '  var r = require("Storage").read("x");', '  USB.write("after the read\\n");',
      '  /* ' + 'x'.repeat(40000) + ' */', '})();'];
    const file = join(tempDir(), 'big.js');
    writeFileSync(file, big.join('\n'));
    expect(ramLoadPeak(big.join('\n')).peak).toBeGreaterThan(PICO_VARIABLES);
    sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual', load: 'ram' });
    expect(sim.outOfMemory).toBe(true);
    expect(sim.consoleLog()).toEqual(['OUT OF MEMORY']);
    expect(sim.sent()).toBe('');
    await expect(sim.press()).rejects.toThrow(/ran out of memory/);
    await sim.stop();
    // the same bundle from flash runs on past the read
    sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual' });
    expect(sim.outOfMemory).toBe(false);
    expect(sim.sent()).toBe('after the read\n');
  });

  it('a small bundle runs from RAM; the firmware would need more than 5,100 variables at its peak', async () => {
    const small = ramLoadPeak(readFileSync(join(import.meta.dirname, 'fixtures', 'mini-token.js'), 'utf8'));
    expect(small.peak).toBeLessThan(PICO_VARIABLES);
    sim = await startSimulator({ board: 'pico', bundle: join(import.meta.dirname, 'fixtures', 'mini-token.js'), clock: 'virtual', load: 'ram' });
    expect(sim.screen()[0]).toBe('HELLO');
    const firmware = ramLoadPeak(readFileSync(bundle('pico'), 'utf8'));
    console.log(`pico bundle uploaded to RAM: about ${firmware.peak} variables at the peak (source ${firmware.line}, function text ${firmware.functions}, running ${firmware.running}) of ${PICO_VARIABLES}`);
    expect(firmware.peak).toBeGreaterThan(PICO_VARIABLES);
  });

  it('firmware uploaded to RAM says why in one line on USB, keeps the console there and does not start', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual', load: 'ram' });
    // the bundle stopped itself before the start-up that runs out of memory
    expect(sim.outOfMemory).toBe(false);
    expect(sim.sent()).toBe(REFUSAL);
    expect(sim.screen()).toEqual([]);
    expect(sim.consoleLog()).toEqual([]);
    // the console is still on USB: what the host types goes to the REPL, not to a token
    client = await TokenClient.open(sim.port);
    await client.write('1+1\n');
    await expect.poll(() => sim!.sent()).toContain('=2');
    expect(sim.sent()).not.toMatch(/!\d+ (OK|ERR)/);
  });

  it('firmware booted from flash starts as ever: no refusal, the token answers', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual', load: 'flash' });
    expect(sim.screen()).toEqual(['NOT PROVISIONED']);
    client = await TokenClient.open(sim.port);
    expect((await client.request('HELLO')).op).toBe('OK');
    expect(sim.sent()).not.toContain('hwtotp:');
    expect(sim.outOfMemory).toBe(false);
  });

  it('the estimate counts the source once and every function body, nested ones again', () => {
    const flat = ramLoadPeak('var a = 1;');
    expect(flat).toEqual({ line: 2, functions: 0, running: 900, peak: 902 });
    const outer = '{ var g = function () { return 1; }; }', inner = '{ return 1; }';
    const nested = ramLoadPeak('var f = function () ' + outer + ';');
    expect(nested.functions).toBe(Math.ceil((outer.length + inner.length) / 9));
    expect(nested.line).toBe(Math.ceil(('var f = function () ' + outer + ';').length / 9));
  });
});
