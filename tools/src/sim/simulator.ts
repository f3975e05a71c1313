/**
 * startSimulator(): the real firmware bundle (device/dist/<board>.js, the bytes `flash` uploads) running
 * in a vm context with the Espruino shim, its serial link on a real pty. This is the in-process API the
 * tests use; `hwtotp sim` is a thin CLI over it.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { defaultBundle } from '../build/bundle.ts';
import { BoardName, boardByName } from './boards.ts';
import { ClockMode, SimClock } from './clock.ts';
import { createRealm } from './context.ts';
import { LcdDisplay, OledDisplay } from './display.ts';
import { Framebuffer } from './graphics.ts';
import { Machine } from './machine.ts';
import { picoMemory } from './memory.ts';
import { renderPng, writePng } from './png.ts';
import { PtyLink } from './pty.ts';
import { createShim } from './shim.ts';
import { FlashStorage } from './storage.ts';
import { ShimError } from './strict.ts';

export interface SimulatorOptions {
  board?: BoardName;
  /** JSON file that keeps the token's flash across restarts; none: a token that forgets on exit. */
  state?: string;
  clock?: ClockMode;
  /** Seconds the token's clock is ahead of the host at power-up. */
  skew?: number;
  /** How fast the token's oscillator runs, in parts per million (negative: slow). */
  driftPpm?: number;
  /** Bundle to run; default device/dist/<board>.js. */
  bundle?: string;
  /**
   * How the bundle reached the board: 'flash' (default, as `hwtotp flash` saves it) or 'ram' (the
   * Web IDE's default upload). On the pico, process.memory() reports what each leaves free
   * (memory.ts), and a bundle whose RAM upload needs more than the 5,100 variables at its peak runs
   * out of memory at its first Storage read: the token stops there, dark and silent (`outOfMemory`).
   */
  load?: 'flash' | 'ram';
}

/** A running simulated token. */
export interface Simulator {
  /** The serial port to open (a stable symlink to the pty slave). */
  readonly port: string;
  readonly board: BoardName;
  /** 'real' or 'virtual'. */
  readonly clock: ClockMode;
  /** Milliseconds from startSimulator() to ready. */
  readonly startupMs: number;
  /** Emits 'display' (lines), 'error' (Error), 'powercut'. */
  readonly events: EventEmitter;
  /** Errors the firmware raised (uncaught exceptions, unimplemented shim members). */
  readonly errors: Error[];
  /** A short press of the button (BTN1 unless named); resolves with the screen afterwards. */
  press(button?: string): Promise<string[]>;
  /** Holds the button for `seconds` (the virtual clock advances meanwhile); resolves with the screen. */
  hold(seconds: number, button?: string): Promise<string[]>;
  /** Resolves once the token has finished what it was doing (its next idle step). */
  settled(): Promise<void>;
  /** The text on screen, a line each, top to bottom ([] when dark). */
  screen(): string[];
  /** Virtual clock: moves time forward, running due timers in order. */
  advance(seconds: number): Promise<void>;
  /** Writes what the screen shows as a PNG (x4). */
  png(file: string): Promise<void>;
  /** PNG bytes of what the screen shows now, each pixel a scale x scale block (default 4). */
  pngBytes(scale?: number): Buffer;
  /** The token's clock, Unix seconds (what getTime() returns inside). */
  time(): number;
  /** The host's clock as the simulator sees it (virtual time in virtual mode). */
  hostTime(): number;
  /** Closes the pty mid-stream, as a pulled cable. */
  unplug(): Promise<void>;
  /** Plugs the cable back in: the same port path again. */
  replug(): Promise<void>;
  /** The n-th next Storage write or erase dies with the power; the token freezes. Restart from the state file. */
  powerCutAfter(n: number): void;
  /** True once the power was cut. */
  readonly poweredOff: boolean;
  /** True once start-up ran out of memory (a pico bundle too big for a RAM upload): the token is dark and answers nothing. */
  readonly outOfMemory: boolean;
  /** The flash files (host side; for tests). */
  files(): Map<string, string>;
  /** Every byte in the token's flash, deleted files included until compacted (what a chip reader sees). */
  flashImage(): string;
  /** Storage writes and erases so far. */
  storageOps(): number;
  /** What the token wrote to its link since power-up, as latin1 (the first 64 KiB), whether or not a host had the port open. */
  sent(): string;
  /** console.log lines that did not go to the link. */
  consoleLog(): string[];
  /** The pixels as [r,g,b] rows, for the terminal view. */
  pixels(): { width: number; height: number; pixel(x: number, y: number): [number, number, number] };
  stop(): Promise<void>;
}

/** How much of the link's output sent() keeps. */
const SENT_MAX = 64 * 1024;

/** The default bundle of a board: device/dist/<board>.js (build/bundle.ts). */
export { defaultBundle };

/** Starts a simulated token; resolves once it is ready (bundle loaded, init run, pty open). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const t0 = performance.now();
  const board = boardByName(opts.board ?? 'pico');
  const bundlePath = opts.bundle ?? defaultBundle(board.name);
  let source: string;
  try {
    source = readFileSync(bundlePath, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the firmware bundle ${bundlePath} (${(e as NodeJS.ErrnoException).code}); run \`npm run build\` first`, { cause: e });
  }
  if (opts.load !== undefined && opts.load !== 'flash' && opts.load !== 'ram') throw new RangeError(`load must be "flash" or "ram", got "${String(opts.load)}"`);
  const memory = board.name === 'pico' ? picoMemory(source, opts.load ?? 'flash') : undefined;
  let outOfMemory = false;
  const clockMode = opts.clock ?? 'real';
  if (clockMode !== 'real' && clockMode !== 'virtual') throw new RangeError(`clock must be "real" or "virtual", got "${String(clockMode)}"`);
  const clock = new SimClock({ mode: clockMode, skew: opts.skew ?? 0, driftPpm: opts.driftPpm ?? 0 });

  const events = new EventEmitter();
  events.on('error', () => undefined); // errors are also collected; an unheard 'error' must not crash the host
  const errors: Error[] = [];
  const report = (e: unknown) => {
    let err: Error;
    if (e instanceof Error) err = e;
    else if (e && typeof e === 'object' && 'message' in e) {
      // an Error from the bundle's realm is not `instanceof Error` here
      const o = e as { message: unknown; name?: unknown; stack?: unknown };
      err = Object.assign(new Error(String(o.message)), { name: String(o.name ?? 'Error'), stack: String(o.stack ?? '') });
    } else err = new Error(`Uncaught ${String(e)}`);
    if (errors.includes(err)) return; // an unimplemented member is reported when read and again if uncaught
    errors.push(err);
    events.emit('error', err);
  };
  let lastLines = '[]';
  const onIdle = () => {
    display.idle();
    const lines = display.lines();
    const json = JSON.stringify(lines);
    if (json !== lastLines) {
      lastLines = json;
      events.emit('display', lines);
    }
  };
  const machine = new Machine(clock, report, onIdle);
  const storage = new FlashStorage(opts.state, () => {
    machine.kill();
    events.emit('powercut');
    events.emit('display', []); // no power, no picture
  });
  const realm = createRealm();
  const s = board.screen;
  const display = s.kind === 'lcd'
    ? new LcdDisplay(new Framebuffer(s.width, s.height, s.bpp, { rgb565: s.rgb565 }, new realm.ArrayBuffer(Framebuffer.byteLength(s.width, s.height, s.bpp))))
    : new OledDisplay();

  let sent = '';
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-sim-'));
  const link = new PtyLink(join(dir, 'tty'), (bytes) => {
    // Espruino hands serial data to JS in whatever pieces arrived; split large reads to exercise that
    for (let i = 0; i < bytes.length; i += 64) shim.input(bytes.slice(i, i + 64));
  });
  const shim = createShim({
    realm,
    board,
    machine,
    storage,
    display,
    toHost: (bytes) => {
      if (machine.dead) return;
      if (sent.length < SENT_MAX) sent += bytes.slice(0, SENT_MAX - sent.length);
      link.write(bytes);
    },
    onMissing: (e: ShimError) => report(e),
    memory,
    outOfMemory: () => {
      outOfMemory = true;
      machine.kill();
      events.emit('display', []);
    },
  });
  for (const [name, value] of Object.entries(shim.globals)) realm.context[name] = value;

  const cleanup = async () => {
    machine.kill();
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await link.open();
    const script = new vm.Script(source, { filename: bundlePath });
    // a bundle that never returns at load would hang the host: Espruino would sit there too, but say so
    machine.runTask(() => script.runInContext(realm.context, { timeout: 5000 }));
    shim.boot();
    await machine.settled();
    if (errors.length) throw errors[0];
  } catch (e) {
    await cleanup();
    throw e;
  }

  const sinceErrors = async <T>(fn: () => Promise<T>): Promise<T> => {
    const n = errors.length;
    const v = await fn();
    if (errors.length > n) throw errors[n];
    return v;
  };
  const button = (b?: string) => b ?? board.buttons[0]!.name;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const waitDebounce = async () => {
    if (clock.mode === 'real') await sleep(shim.maxDebounceMs() / clock.rate + 5);
    await machine.settled();
  };
  const pressFor = async (seconds: number, b?: string) => {
    if (storage.dead) throw new Error('the token is off (power cut); start it again from its state file');
    if (outOfMemory) throw new Error('the token ran out of memory at start-up (uploaded to RAM); it runs nothing');
    if (machine.dead) throw new Error('the simulator is stopped');
    shim.setPin(button(b), true);
    await waitDebounce();
    if (clock.mode === 'virtual') await machine.advance(seconds);
    else await sleep(seconds * 1000);
    shim.setPin(button(b), false);
    await waitDebounce();
    return display.lines();
  };

  // after a power cut or running out of memory the screen is dark, whatever the frozen firmware last drew
  const dark = {
    get width() {
      return display.width;
    },
    get height() {
      return display.height;
    },
    pixel: (): [number, number, number] => [0, 0, 0],
  };
  const visible = () => (storage.dead || outOfMemory ? dark : display);
  let stopped = false;
  const sim: Simulator = {
    port: link.linkPath,
    board: board.name,
    clock: clock.mode,
    startupMs: performance.now() - t0,
    events,
    errors,
    press: (b) => sinceErrors(() => pressFor(clock.mode === 'virtual' ? 0 : 0.1, b)),
    hold: (s, b) => {
      if (!(s >= 0) || !Number.isFinite(s)) return Promise.reject(new RangeError(`hold: seconds must be a non-negative number, got ${s}`));
      return sinceErrors(() => pressFor(s, b));
    },
    settled: () => machine.settled(),
    screen: () => (storage.dead || outOfMemory ? [] : display.lines()),
    advance: (s) => sinceErrors(() => machine.advance(s)),
    png: (file) => writePng(visible(), file),
    pngBytes: (scale) => renderPng(visible(), scale),
    time: () => clock.getTime(),
    hostTime: () => clock.hostTime(),
    unplug: () => link.close(),
    replug: async () => {
      await link.open();
      shim.console.plugged();
    },
    powerCutAfter: (n) => storage.powerCutAfter(n),
    get poweredOff() {
      return storage.dead;
    },
    get outOfMemory() {
      return outOfMemory;
    },
    files: () => storage.snapshot(),
    storageOps: () => storage.ops,
    flashImage: () => storage.image(),
    sent: () => sent,
    consoleLog: () => shim.console.offLink.slice(),
    pixels: () => visible(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
  return sim;
}
