/**
 * The Espruino globals the firmware's board files may use (tools/src/espruino-check/globals.ts), built for one
 * board and installed in the bundle's context. Each object is strict: a member it lacks throws
 * "Espruino shim: <name> is not implemented". Values handed to the bundle are made in its realm.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BangleOs } from './bangle.ts';
import { Board } from './boards.ts';
import { byteString, byteValues, isArrayBuffer } from './bytes.ts';
import { ConsoleRouter } from './console.ts';
import { Realm } from './context.ts';
import { LcdDisplay, OledDisplay } from './display.ts';
import { graphicsObject } from './graphics-api.ts';
import { Framebuffer } from './graphics.ts';
import { Machine } from './machine.ts';
import { SimMemory } from './memory.ts';
import { FlashStorage } from './storage.ts';
import { ShimError, strict } from './strict.ts';

export interface ShimDeps {
  realm: Realm;
  board: Board;
  machine: Machine;
  storage: FlashStorage;
  display: OledDisplay | LcdDisplay;
  /** Bytes to the host over the pty. */
  toHost: (bytes: string) => void;
  /** Records an unimplemented member even if the firmware catches the exception. */
  onMissing: (e: ShimError) => void;
  /** The board's memory (memory.ts), for process.memory(); none: the shim has no `process`. */
  memory?: SimMemory;
  /** Start-up ran out of memory (memory.runsOut): the token stops where Espruino would. */
  outOfMemory?: () => void;
}

interface Watch {
  id: number;
  fn: (e: object) => void;
  pin: string;
  repeat: boolean;
  edge: 1 | -1 | 0;
  debounce: number;
}

/** The installed shim: the globals plus the host-side inputs (button pins, serial bytes, boot). */
export interface Shim {
  globals: { [name: string]: unknown };
  console: ConsoleRouter;
  /** Drives a button pin (true = pressed). */
  setPin(button: string, pressed: boolean): void;
  /** Bangle.js 2's OS state (undefined on other boards). */
  bangle: BangleOs | undefined;
  /** Longest debounce among watches (press() waits for it in real time). */
  maxDebounceMs(): number;
  /** Bytes from the host. */
  input(bytes: string): void;
  /** Runs E.on('init') handlers, as Espruino does after loading saved code. */
  boot(): void;
}

const HASHES: { [name: string]: string } = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export function createShim(d: ShimDeps): Shim {
  const { realm, board, machine, storage, onMissing } = d;
  const S = <T extends object>(label: string, o: T, absent: string[] = []) => strict(label, o, onMissing, absent);
  const missing = (what: string): never => {
    const e = new ShimError(`Espruino shim: ${what} is not implemented`);
    onMissing(e);
    throw e;
  };
  const realmError = (msg: string) => new realm.Error(msg);
  const clock = machine.clock;

  const consoleRouter = new ConsoleRouter(board.link, realm.context, d.toHost);
  const print = (...args: unknown[]) => consoleRouter.print(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));

  // --- pins and watches -------------------------------------------------------------------------
  const pins: { [name: string]: object } = {};
  const pinName = new Map<object, string>();
  const makePin = (name: string) => {
    const p = S('Pin ' + name, { toString: () => name });
    pins[name] = p;
    pinName.set(p, name);
    return p;
  };
  const globals: { [name: string]: unknown } = {};
  const buttonPin: { [button: string]: string } = {};
  for (const b of board.buttons) {
    globals[b.name] = makePin(b.pin);
    buttonPin[b.name] = b.pin;
  }
  const isButton = (pin: string) => Object.values(buttonPin).includes(pin);
  // Bangle.js 2's OS sees BTN1 before any watch does, and may keep the edge (bangle.ts)
  const bangle = board.name === 'banglejs2'
    ? new BangleOs(() => clock.monotonic() * 1000, (on) => ((d.display as LcdDisplay).power = on), missing)
    : undefined;
  const pinState: { [pin: string]: boolean } = {};
  const lastChange: { [pin: string]: number } = {};
  let watches: Watch[] = [];
  let nextWatch = 1;

  globals.setWatch = (fn: unknown, pin: unknown, opts?: unknown) => {
    if (typeof fn !== 'function') throw realmError(`setWatch: the callback must be a function, got ${typeof fn}`);
    const name = pinName.get(pin as object);
    if (!name) throw realmError(`setWatch: unknown pin ${String(pin)}`);
    let repeat = false, edge: 1 | -1 | 0 = isButton(name) ? 1 : 0, debounce = isButton(name) ? 25 : 0;
    if (typeof opts === 'boolean' || typeof opts === 'number') repeat = !!opts;
    else if (opts && typeof opts === 'object') {
      const o = opts as { repeat?: unknown; edge?: unknown; debounce?: unknown };
      for (const k of Object.keys(o)) if (!['repeat', 'edge', 'debounce'].includes(k)) missing(`setWatch option "${k}"`);
      repeat = !!o.repeat;
      if (o.edge !== undefined) {
        const m: { [k: string]: 1 | -1 | 0 } = { rising: 1, falling: -1, both: 0, '1': 1, '-1': -1, '0': 0 };
        const e = m[String(o.edge)];
        if (e === undefined) throw realmError(`setWatch: edge must be "rising", "falling" or "both", got ${String(o.edge)}`);
        edge = e;
      }
      if (o.debounce !== undefined) debounce = Math.max(0, Number(o.debounce) || 0);
    }
    const id = nextWatch++;
    watches.push({ id, fn: fn as Watch['fn'], pin: name, repeat, edge, debounce });
    return id;
  };
  globals.clearWatch = (id?: unknown) => {
    if (id === undefined) watches = [];
    else {
      const before = watches.length;
      watches = watches.filter((w) => w.id !== Number(id));
      if (watches.length === before) throw realmError(`clearWatch: no watch with id ${String(id)}`);
    }
  };

  const setPin = (button: string, pressed: boolean) => {
    const pin = buttonPin[button];
    if (!pin) throw new RangeError(`button must be one of ${Object.keys(buttonPin).join(', ')}, got "${button}"`);
    if (pinState[pin] === pressed) return;
    pinState[pin] = pressed;
    const time = clock.getTime();
    const lastTime = lastChange[pin] ?? time;
    lastChange[pin] = time;
    if (bangle && button === 'BTN1' && !bangle.button(pressed)) return;
    for (const w of watches.filter((x) => x.pin === pin)) {
      if (w.edge === 1 && !pressed) continue;
      if (w.edge === -1 && pressed) continue;
      const fire = () => {
        if (!watches.includes(w) || pinState[pin] !== pressed) return; // cleared, or bounced back before the debounce ended
        if (!w.repeat) watches = watches.filter((x) => x !== w);
        machine.runTask(() => w.fn(realm.newObject({ state: pressed, time, lastTime })));
      };
      // The simulated button never bounces: a debounced watch fires once the pin has been stable that
      // long. With a virtual clock a press takes no time, so it fires at once.
      if (w.debounce > 0 && clock.mode === 'real') setTimeout(fire, w.debounce / clock.rate);
      else fire();
    }
  };

  // --- time ----------------------------------------------------------------------------------------
  globals.getTime = () => clock.getTime();
  globals.setTime = (t: unknown) => {
    const n = Number(t);
    if (!Number.isFinite(n)) throw realmError(`setTime: expected a number of seconds, got ${String(t)}`);
    clock.setTime(n);
  };
  globals.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => machine.addTimer(fn, ms, args, false);
  globals.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => machine.addTimer(fn, ms, args, true);
  // Espruino throws on an id that is not (or no longer) pending
  globals.clearTimeout = (id?: unknown) => {
    if (!machine.clearTimer(id)) throw realmError('Unknown Timeout');
  };
  globals.clearInterval = (id?: unknown) => {
    if (!machine.clearTimer(id)) throw realmError('Unknown Interval');
  };

  // --- Graphics and displays -----------------------------------------------------------------------
  const drawnHook = d.display instanceof OledDisplay ? (fb: Framebuffer) => (d.display as OledDisplay).drawn(fb) : undefined;
  globals.Graphics = S('Graphics', {
    createArrayBuffer(w: unknown, h: unknown, bpp: unknown, opts?: unknown) {
      const W = Number(w), H = Number(h), B = Number(bpp);
      if (!(W >= 1 && W <= 4096 && H >= 1 && H <= 4096 && Number.isInteger(W) && Number.isInteger(H)))
        throw realmError(`Graphics.createArrayBuffer: bad size ${String(w)}x${String(h)}`);
      if (![1, 8, 16].includes(B)) missing(`Graphics.createArrayBuffer with ${String(bpp)} bpp (the simulator has 1, 8 and 16)`);
      const o = (opts ?? {}) as { [k: string]: unknown };
      for (const k of Object.keys(o)) if (!['vertical_byte', 'msb'].includes(k)) missing(`Graphics.createArrayBuffer option "${k}"`);
      if (o.vertical_byte && B !== 1) throw realmError('Graphics.createArrayBuffer: vertical_byte needs 1 bpp');
      const buf = new realm.ArrayBuffer(Framebuffer.byteLength(W, H, B));
      // Espruino 2v25 and later: msb defaults to true (graphics.ts, GraphicsOptions)
      const fb = new Framebuffer(W, H, B, { vertical_byte: !!o.vertical_byte, msb: o.msb === undefined ? true : !!o.msb }, buf);
      return graphicsObject(fb, { buffer: buf, onMissing, drawn: drawnHook });
    },
  });
  if (d.display instanceof LcdDisplay) {
    const lcd = d.display;
    globals.g = graphicsObject(lcd.fb, { buffer: undefined, onMissing, flip: () => lcd.flip() });
  }
  if (bangle) {
    globals.Bangle = S('Bangle', {
      setLCDPower: (on: unknown) => bangle.setLCDPower(!!on),
      setOptions: (opts: unknown) => bangle.setOptions((opts ?? {}) as { [k: string]: unknown }),
      isLocked: () => bangle.isLocked(),
      setLocked: (locked: unknown) => bangle.setLocked(!!locked),
    });
  }

  // --- I2C (pico: the SSD1306) ----------------------------------------------------------------------
  if (d.display instanceof OledDisplay) {
    const oled = d.display;
    const B6 = makePin('B6'), B7 = makePin('B7');
    globals.B6 = B6;
    globals.B7 = B7;
    let setUp = false;
    globals.I2C1 = S('I2C1', {
      setup(opts: unknown) {
        const o = (opts ?? {}) as { scl?: unknown; sda?: unknown; bitrate?: unknown };
        for (const k of Object.keys(o)) if (!['scl', 'sda', 'bitrate'].includes(k)) missing(`I2C1.setup option "${k}"`);
        if (o.scl !== B6 || o.sda !== B7) throw realmError(`I2C1.setup: the display is wired to scl B6, sda B7; got scl ${String(o.scl)}, sda ${String(o.sda)}`);
        setUp = true;
      },
      writeTo(addr: unknown, ...data: unknown[]) {
        if (!setUp) throw realmError('I2C1.writeTo: I2C1 is not set up (call I2C1.setup first)');
        const a = typeof addr === 'object' && addr ? Number((addr as { address: unknown }).address) : Number(addr);
        if (a !== 0x3c) throw realmError(`I2C1.writeTo: no device acknowledged address 0x${a.toString(16)} (the SSD1306 is at 0x3c)`);
        oled.i2c(byteValues(data, 'I2C1.writeTo'));
      },
    });
  }

  // --- Storage, crypto, require -----------------------------------------------------------------------
  const toStorageBytes = (data: unknown): string => {
    if (typeof data === 'string') return data;
    if (Array.isArray(data) || isArrayBuffer(data) || ArrayBuffer.isView(data)) return byteString(byteValues(data, 'Storage.write'));
    if (data && typeof data === 'object') return JSON.stringify(data);
    throw realmError(`Storage.write: cannot store ${typeof data}`);
  };
  // Uploaded to RAM, the Pico's memory runs out at the record loader's first read (measured on
  // 2v29: OUT OF MEMORY at its substring); Espruino prints that on the console and stops the code.
  let memoryLeft = !d.memory?.runsOut;
  const Storage = S('Storage', {
    read: (name: unknown, offset?: unknown, length?: unknown) => {
      if (!memoryLeft) {
        memoryLeft = true;
        print('OUT OF MEMORY');
        d.outOfMemory?.();
        throw realmError('OUT OF MEMORY');
      }
      return storage.read(name, offset, length);
    },
    readJSON(name: unknown, noExceptions?: unknown) {
      const s = storage.read(name);
      if (s === undefined) return undefined;
      try {
        return realm.JSON.parse(s);
      } catch (e) {
        if (noExceptions) return undefined;
        throw realmError(`Storage.readJSON: "${String(name)}" is not JSON: ${(e as Error).message}`);
      }
    },
    write: (name: unknown, data: unknown, offset?: unknown, size?: unknown) => storage.write(name, toStorageBytes(data), offset, size),
    erase: (name: unknown) => storage.erase(name),
    compact: () => storage.compact(),
    list(regex?: unknown, filter?: unknown) {
      if (filter !== undefined) missing('Storage.list filter argument');
      const re = regex === undefined ? undefined : regex instanceof RegExp || Object.prototype.toString.call(regex) === '[object RegExp]' ? (regex as RegExp) : new RegExp(String(regex));
      return realm.Array.prototype.slice.call(storage.list(re ? (n) => n.match(re) !== null : undefined));
    },
  });
  const hash = (name: string) => (data: unknown) => {
    if (data === undefined || data === null) throw realmError(`crypto.${name}: expected a string or ArrayBuffer`);
    const digest = createHash(HASHES[name]!).update(Buffer.from(byteValues(data, `crypto.${name}`))).digest();
    const out = new realm.ArrayBuffer(digest.length);
    new Uint8Array(out).set(digest);
    return out;
  };
  const cryptoObj: { [k: string]: unknown } = {};
  for (const h of board.hashes) cryptoObj[h] = hash(h);
  const cryptoModule = S('crypto', cryptoObj, ['SHA1', 'SHA256', 'SHA512'].filter((h) => !board.hashes.includes(h as 'SHA1')));
  globals.require = (name: unknown) => {
    if (name === 'Storage') return Storage;
    if (name === 'crypto') return cryptoModule;
    return missing(`require("${String(name)}")`);
  };

  // --- the link, the console and E --------------------------------------------------------------------
  const dataListeners: ((s: string) => void)[] = [];
  const linkObj = S(board.link, {
    on(event: unknown, fn: unknown) {
      if (event !== 'data') missing(`${board.link}.on("${String(event)}")`);
      if (typeof fn !== 'function') throw realmError(`${board.link}.on: the listener must be a function`);
      dataListeners.push(fn as (s: string) => void);
    },
    write(...data: unknown[]) {
      d.toHost(byteString(byteValues(data, `${board.link}.write`)));
    },
  });
  globals[board.link] = linkObj;
  const LoopbackA = S('LoopbackA', {
    setConsole(force?: unknown) {
      consoleRouter.switchTo('LoopbackA', !!force);
    },
  });
  globals.LoopbackA = LoopbackA;
  const initHandlers: (() => void)[] = [];
  globals.E = S('E', {
    CRC32(data: unknown) {
      let crc = 0xffffffff;
      for (const b of byteValues(data, 'E.CRC32')) {
        crc ^= b;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    },
    // Espruino returns a signed 32-bit integer
    hwRand: () => randomBytes(4).readInt32LE(0),
    on(event: unknown, fn: unknown) {
      if (event !== 'init') missing(`E.on("${String(event)}")`);
      if (typeof fn !== 'function') throw realmError('E.on: the listener must be a function');
      initHandlers.push(fn as () => void);
    },
    setConsole(device: unknown, options?: unknown) {
      const force = !!(options && typeof options === 'object' && (options as { force?: unknown }).force);
      if (device === null) consoleRouter.switchTo('null', force);
      else if (device === linkObj || device === LoopbackA) consoleRouter.switchTo(device === LoopbackA ? 'LoopbackA' : board.link, force);
      else if (device === board.link || device === 'LoopbackA') consoleRouter.switchTo(device as string, force);
      else throw realmError(`E.setConsole: unknown device ${String(device)} on ${board.name}`);
    },
  });
  globals.console = S('console', { log: print });
  globals.echo = (on: unknown) => {
    consoleRouter.echo = !!on;
  };
  globals.print = print;
  if (d.memory) {
    // process.memory() as Espruino reports it, in 13-byte blocks (free = total - usage).
    const m = d.memory;
    globals.process = S('process', {
      memory: () => realm.newObject({ free: m.total - m.usage, usage: m.usage, total: m.total, history: 0, blocksize: 13 }),
    });
  }

  return {
    globals,
    console: consoleRouter,
    bangle,
    setPin,
    maxDebounceMs: () => Math.max(0, ...watches.map((w) => w.debounce)),
    input(bytes: string) {
      if (consoleRouter.onLink) machine.runTask(() => consoleRouter.repl(bytes));
      else for (const fn of dataListeners) machine.runTask(() => fn(bytes));
    },
    boot() {
      for (const fn of initHandlers) machine.runTask(() => fn());
      // Espruino also calls a global onInit() at boot
      const onInit = (realm.context as { onInit?: unknown }).onInit;
      if (typeof onInit === 'function') machine.runTask(() => (onInit as () => void)());
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
