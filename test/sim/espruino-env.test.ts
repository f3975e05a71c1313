/**
 * The simulator's Espruino environment: what Espruino lacks is missing here too, an API the shim lacks
 * fails loudly, and the shim's globals behave as Espruino's do (checked with a hand-written ES5 bundle
 * through the pty).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MISSING_GLOBALS, MISSING_MEMBERS, Simulator, startSimulator } from '@hwtotp/tools/sim';
import { TokenClient, tempDir, stopSim } from './helpers.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

let sim: Simulator | undefined;
let client: TokenClient | undefined;
afterEach(async () => {
  await stopSim(client, sim);
  client = sim = undefined;
});

/** Writes a one-line bundle and reports how starting the simulator on it ends. */
async function runBundle(dir: string, name: string, code: string): Promise<string> {
  const file = join(dir, `${name.replace(/\W/g, '_')}.js`);
  writeFileSync(file, code);
  try {
    const s = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual' });
    await s.stop();
    return 'ran';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('what Espruino lacks is missing', () => {
  it('a bundle using any missing global or member fails, while the same bundle shape without it runs', async () => {
    const dir = tempDir();
    expect(await runBundle(dir, 'control', 'var a = [1, 2].map(function (x) { return x * 2; }); new Uint8Array(4); Math.floor(1.5); Promise.resolve(1).then(function () {});')).toBe('ran');
    const failures: string[] = [];
    for (const g of MISSING_GLOBALS) {
      const r = await runBundle(dir, g, `var x = ${g};`);
      if (r === 'ran') failures.push(g);
      else expect(r).toMatch(new RegExp(`${g} is not defined`));
    }
    for (const [path, name] of MISSING_MEMBERS) {
      const r = await runBundle(dir, `${path}.${name}`, `${path}.${name}.call(null);`);
      if (r === 'ran') failures.push(`${path}.${name}`);
      else expect(r).toMatch(/Cannot read properties of undefined|undefined/);
    }
    expect(failures).toEqual([]);
    // the list covers at least what the Espruino check names
    for (const g of ['Map', 'Set', 'WeakMap', 'Symbol', 'BigInt', 'TextEncoder', 'Proxy', 'Reflect']) expect(MISSING_GLOBALS).toContain(g);
    for (const m of ['Math.imul', 'Math.clz32', 'Array.from', 'Uint8Array.from', 'ArrayBuffer.isView', 'Number.isInteger', 'Number.isSafeInteger', 'Object.freeze', 'Promise.prototype.finally'])
      expect(MISSING_MEMBERS.map((p) => p.join('.'))).toContain(m);
  });
});

describe('loud errors', () => {
  it('an Espruino API the shim lacks stops the simulator with its name', async () => {
    await expect(startSimulator({ board: 'pico', bundle: fixture('unimplemented.js'), clock: 'virtual' })).rejects.toThrow('Espruino shim: E.showMessage is not implemented');
  });

  it('is reported even when the bundle catches the exception', async () => {
    await expect(startSimulator({ board: 'pico', bundle: fixture('caught-unimplemented.js'), clock: 'virtual' })).rejects.toThrow('Espruino shim: E.getBattery is not implemented');
  });

  it('a missing bundle names the file and says to build', async () => {
    await expect(startSimulator({ board: 'pico', bundle: '/nonexistent/pico.js' })).rejects.toThrow(/\/nonexistent\/pico\.js.*npm run build/);
  });
});

describe('the shim behaves as Espruino (hand-written bundle)', () => {
  const ask = async (c: TokenClient, line: string): Promise<string> => {
    const op = line.split(' ')[0]!;
    const start = c.received.length;
    await c.write(line + '\n');
    for (let i = 0; i < 200; i++) {
      const m = new RegExp(`${op}=([^\\n]*)\\n`).exec(c.received.slice(start));
      if (m) return m[1]!;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer to ${line}`);
  };

  it('runs E.on("init"), draws through the SSD1306, and reads the button edges and durations', async () => {
    sim = await startSimulator({ board: 'pico', bundle: fixture('mini-token.js'), clock: 'virtual' });
    expect(sim.screen()[0]).toBe('HELLO');
    expect(await sim.press()).toEqual(['P1 SHORT', `T${Math.floor(sim.time())}`]);
    expect((await sim.hold(2.5))[0]).toBe('P2 LONG');
  });

  it('Storage, crypto, E.CRC32, clock and timers through the pty', async () => {
    const state = join(tempDir(), 'state.json');
    sim = await startSimulator({ board: 'pico', bundle: fixture('mini-token.js'), clock: 'virtual', state });
    client = await TokenClient.open(sim.port);
    expect(await ask(client, 'get')).toBe('undefined');
    expect(await ask(client, 'put abc\u00ff')).toBe('true');
    expect(JSON.parse(readFileSync(state, 'utf8')).files.f).toEqual({ base64: Buffer.from('abc\u00ff', 'latin1').toString('base64') });
    expect(await ask(client, 'sha1 abc')).toBe('169,153,62,54,71,6,129,106,186,62,37,113,120,80,194,108,156,208,216,157');
    expect(await ask(client, 'crc 123456789')).toBe(String(0xcbf43926));
    expect(await ask(client, 'settime 1800000000')).toBe('ok');
    expect(Number(await ask(client, 'time'))).toBeCloseTo(1800000000, 3);
    expect(await ask(client, 'after 5000')).toBe('ok');
    await sim.advance(4.9);
    expect(sim.screen()[0]).toBe('HELLO');
    await sim.advance(0.2);
    expect(sim.screen()[0]).toBe('TIMER');
    expect(sim.screen()[1]).toBe('T1800000005');
  });

  it('without LoopbackA.setConsole the link is a REPL that can read Storage, as on a real board', async () => {
    const dir = tempDir();
    const leaky = join(dir, 'leaky.js');
    writeFileSync(leaky, readFileSync(fixture('mini-token.js'), 'utf8').replace('var MOVE_CONSOLE = true;', 'var MOVE_CONSOLE = false;'));
    sim = await startSimulator({ board: 'pico', bundle: leaky, clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    await client.write('require("Storage").list().length+40\r');
    for (let i = 0; i < 100 && !client.received.includes('=40'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(client.received).toContain('=40');
  });

  it('an unforced LoopbackA.setConsole() loses the console back to USB when the cable is plugged in again', async () => {
    const dir = tempDir();
    for (const force of [false, true]) {
      const file = join(dir, `console-${force}.js`);
      writeFileSync(file, readFileSync(fixture('mini-token.js'), 'utf8').replace('LoopbackA.setConsole(true)', `LoopbackA.setConsole(${force})`));
      const s = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual' });
      try {
        let c = await TokenClient.open(s.port);
        expect(await ask(c, 'crc 123456789')).toBe(String(0xcbf43926));
        await c.close();
        await s.unplug();
        await s.replug();
        c = await TokenClient.open(s.port);
        await c.write('6*7\r');
        for (let i = 0; i < 40 && !c.received.includes('=42'); i++) await new Promise((r) => setTimeout(r, 5));
        expect(c.received.includes('=42')).toBe(!force);
        await c.close();
      } finally {
        await s.stop();
      }
    }
  });

  it('setWatch: edge filters, repeat false fires once, buttons default to rising, clearWatch, {state, time, lastTime}', async () => {
    const file = join(tempDir(), 'watch.js');
    writeFileSync(file, [
      'var S = require("Storage"), n = 0;',
      'setWatch(function (e) { n++; S.write("w1", n + ":" + e.state + ":" + (e.time - e.lastTime)); }, BTN1, { edge: "falling" });',
      'setWatch(function (e) { S.write("w2", "rise:" + e.state); }, BTN1, { repeat: true });',
      'var id = setWatch(function () { S.write("w3", "never"); }, BTN1, { repeat: true, edge: "both" });',
      'clearWatch(id);',
      'var threw = false; try { clearWatch(999); } catch (e) { threw = true; }',
      'S.write("w4", String(threw));',
      'setWatch(function (e) { S.write("b4", "BTN4:" + e.state); }, BTN4, { repeat: true, edge: "both", debounce: 0 });',
    ].join('\n'));
    sim = await startSimulator({ board: 'pixljs', bundle: file, clock: 'virtual' });
    await sim.hold(2);
    const f = sim.files();
    expect(f.get('w1')).toBe('1:false:2');
    expect(f.get('w2')).toBe('rise:true');
    expect(f.has('w3')).toBe(false);
    expect(f.get('w4')).toBe('true');
    await sim.press();
    expect(sim.files().get('w1')).toBe('1:false:2'); // not repeated
    await sim.press('BTN4');
    expect(sim.files().get('b4')).toBe('BTN4:false');
    await expect(sim.press('BTN5')).rejects.toThrow(/BTN1, BTN2, BTN3, BTN4/);
  });
});
