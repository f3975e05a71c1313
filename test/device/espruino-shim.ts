/**
 * A minimal shim of the Espruino globals the board files use (tools/src/espruino-check/globals.ts),
 * enough to boot a built bundle in a Node vm context and talk to it. The context lacks what Espruino
 * lacks (Map, Set, Symbol, ...), timers behave like Espruino's (clearTimeout throws on an unknown id),
 * and E.CRC32 is signed. The full simulator (tools/src/sim) grows from the same idea.
 */
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** Globals a vm context has that Espruino does not; the shim deletes them before the bundle runs. */
export const MISSING = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'BigInt', 'Proxy', 'Reflect',
  'TextEncoder', 'TextDecoder', 'FinalizationRegistry', 'structuredClone', 'queueMicrotask'];

interface Timer { id: number; due: number; fn: () => void }

/** Options: the wall clock at boot, the Storage files, and the size of `g` (banglejs2 176x176, pixljs 128x64). */
export interface ShimOptions { time?: number; files?: { [name: string]: string }; screen?: [number, number] }

function nativeHash(name: string) {
  return (data: ArrayBuffer | string) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(new Uint8Array(data));
    const d = createHash(name).update(bytes).digest();
    return d.buffer.slice(d.byteOffset, d.byteOffset + d.length);
  };
}

/** A booted bundle and the handles to drive it. */
export class EspruinoShim {
  ctx: vm.Context;
  files: { [name: string]: string };
  mono = 0;
  offset: number;
  timers: Timer[] = [];
  nextId = 1;
  output = '';
  /** Text drawn since the last clear(), per Graphics object. */
  text: string[] = [];
  i2c: number[][] = [];
  consoleForced = false;
  /** Espruino's echo (on at power-up), and its value when the console was moved. */
  echo = true;
  echoWhenMoved: boolean | undefined;
  /** What the bundle print()ed on the console. */
  printed: string[] = [];
  locked = false;
  compactions = 0;
  /** Which link the firmware listened on. */
  linkName = '';
  private dataFn: ((d: string) => void) | undefined;
  private watch: ((e: { state: boolean }) => void) | undefined;
  lcdPower: boolean | undefined;
  /** What the bundle passed to Bangle.setOptions, and whether it did so before watching the button. */
  bangleOptions: { [k: string]: unknown } = {};
  bangleOptionsBeforeWatch = false;

  constructor(code: string, options?: ShimOptions) {
    const o = options || {};
    this.files = o.files || {};
    this.offset = o.time === undefined ? 1_800_000_000 : o.time;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the shim objects below have their own `this`
    const self = this;
    const link = (name: string) => ({
      on(event: string, fn: (d: string) => void) {
        if (event === 'data') {
          self.dataFn = fn;
          self.linkName = name;
        }
      },
      write(s: string) { self.output += s; },
    });
    const graphics = (w: number, h: number) => ({
      buffer: new ArrayBuffer(w * h / 8),
      getWidth: () => w,
      getHeight: () => h,
      clear() { self.text = []; return this; },
      setColor() { return this; },
      setFont() { return this; },
      setFontVector() { return this; },
      setFontAlign() { return this; },
      drawString(s: string) { self.text.push(String(s)); return this; },
      stringWidth(s: string) { return String(s).length * 6; },
      fillRect() { return this; },
      drawRect() { return this; },
      flip() {},
    });
    const sandbox: { [k: string]: unknown } = {
      E: { CRC32: (s: string) => crc32(Buffer.from(String(s), 'latin1')) | 0, hwRand: () => (Math.random() * 2 ** 32) | 0, on() {} },
      LoopbackA: { setConsole(force: boolean) { self.consoleForced = force === true; self.echoWhenMoved = self.echo; } },
      USB: link('USB'),
      Bluetooth: link('Bluetooth'),
      I2C1: { setup() {}, writeTo(_addr: number, data: ArrayLike<number>) { self.i2c.push(Array.prototype.slice.call(data)); } },
      B6: { pin: 'B6' }, B7: { pin: 'B7' }, BTN1: { pin: 'BTN1' }, BTN2: {}, BTN3: {}, BTN4: {},
      Graphics: { createArrayBuffer: (w: number, h: number) => graphics(w, h) },
      Bangle: {
        setLCDPower(on: boolean) { self.lcdPower = on; },
        setOptions(o: { [k: string]: unknown }) { Object.assign(self.bangleOptions, o); self.bangleOptionsBeforeWatch = self.watch === undefined; },
        isLocked: () => self.locked,
        setLocked(l: boolean) { self.locked = l; },
      },
      echo(on: boolean) { self.echo = on; },
      // a Pico booted from flash, as measured on Espruino 2v29 where the pico board file starts
      process: { memory: () => ({ free: 4683, usage: 417, total: 5100 }) },
      print(text: string) { self.printed.push(String(text)); },
      setWatch(fn: (e: { state: boolean }) => void) { self.watch = fn; return 1; },
      clearWatch() {},
      getTime: () => self.offset + self.mono / 1000,
      setTime: (t: number) => { self.offset = t - self.mono / 1000; },
      setTimeout: (fn: () => void, ms: number) => {
        const t = { id: self.nextId++, due: self.mono + (ms || 0), fn: fn };
        self.timers.push(t);
        return t.id;
      },
      clearTimeout: (id: number) => {
        // Espruino: no id clears every timer (never what firmware means); an unknown id throws.
        if (id === undefined) throw new Error('clearTimeout() without an id clears every timer');
        const n = self.timers.length;
        self.timers = self.timers.filter((t) => t.id !== id);
        if (self.timers.length === n) throw new Error('Unknown Timeout');
      },
      require: (name: string) => {
        if (name === 'crypto') return { SHA1: nativeHash('sha1'), SHA256: nativeHash('sha256') };
        if (name === 'Storage') {
          return {
            read: (n: string) => self.files[n],
            write: (n: string, d: string) => { self.files[n] = String(d); return true; },
            erase: (n: string) => { delete self.files[n]; },
            compact: () => { self.compactions++; },
            list: () => Object.keys(self.files),
          };
        }
        throw new Error('Module ' + name + ' not found');
      },
    };
    const screen = o.screen || [176, 176];
    sandbox.g = graphics(screen[0], screen[1]);
    this.ctx = vm.createContext(sandbox);
    vm.runInContext(MISSING.map((n) => 'delete globalThis.' + n + ';').join(''), this.ctx);
    vm.runInContext(code, this.ctx, { filename: 'bundle.js' });
  }

  send(text: string): void {
    if (!this.dataFn) throw new Error('the firmware does not listen on any link');
    this.dataFn(text);
  }

  button(down: boolean): void {
    if (!this.watch) throw new Error('the firmware does not watch the button');
    this.watch({ state: down });
  }

  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next) break;
      const t = next;
      this.timers = this.timers.filter((x) => x !== t);
      this.mono = Math.max(this.mono, t.due);
      t.fn();
    }
    this.mono = end;
  }

  take(): string[] {
    const lines = this.output.split('\n').filter((l) => l);
    this.output = '';
    return lines;
  }
}
