/**
 * An in-memory HAL for the token core: a virtual clock and timers, a recorded display, a storage
 * that can lose power at any write step, a link that collects replies, and hashes on node:crypto
 * (native, like the board's, and counted so tests can prove how many HMACs a press costs).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Hal, HalStorage } from '@hwtotp/device';
import { startToken } from '@hwtotp/device';

/** Thrown by the storage when the simulated power cut hits: the token stops there. */
export class PowerCut extends Error {
  override name = 'PowerCut';
}

/**
 * Flash that survives a reboot. A write is three steps, as Espruino's Storage does it: the old
 * file is dropped, half of the new data is written, then all of it. `cutAt` = k makes the k-th step
 * from now leave the flash as it is at that step and throw PowerCut.
 */
export class FakeFlash implements HalStorage {
  files: { [name: string]: string } = {};
  /** Steps left before the power cut; undefined: never. */
  cutAt: number | undefined;
  /** When set, writes return false (a full or failing flash). */
  failWrites = false;
  steps = 0;
  /** Set by the cut: the flash keeps what it holds, and nothing else runs on this power. */
  frozen = false;

  private step(): void {
    if (this.frozen) throw new PowerCut('no power');
    this.steps++;
    if (this.cutAt !== undefined && --this.cutAt <= 0) {
      this.cutAt = undefined;
      this.frozen = true;
      throw new PowerCut('power cut at storage step ' + this.steps);
    }
  }

  read(name: string): string | undefined {
    if (this.frozen) throw new PowerCut('no power');
    return this.files[name];
  }

  /** Compaction: a step the power can die in; the live files stay as they are. */
  compact(): void {
    this.step();
    this.compactions++;
  }

  compactions = 0;

  /** The flash as a new power-up finds it. */
  reboot(): FakeFlash {
    const f = new FakeFlash();
    f.files = Object.assign({}, this.files);
    return f;
  }

  write(name: string, data: string): boolean {
    if (this.failWrites) return false;
    delete this.files[name];
    this.step();
    this.files[name] = data.substring(0, data.length >> 1);
    this.step();
    this.files[name] = data;
    this.step();
    return true;
  }

  erase(name: string): void {
    this.step();
    delete this.files[name];
  }
}

interface Timer { id: number; due: number; fn: () => void }

/** Options of a fake board. */
export interface FakeOptions {
  /** Wall clock at start, UNIX seconds (default 1_800_000_000.25). */
  time?: number;
  /** Flash from a previous life of the token. */
  flash?: FakeFlash;
  /** Hash algorithms the board has (default SHA1 and SHA256, as on the pico). */
  hashes?: string[];
  board?: string;
}

/** A simulated board running the token core. */
export class FakeBoard {
  hal: Hal;
  flash: FakeFlash;
  /** Monotonic milliseconds since start; timers run on it, as Espruino's do. */
  mono = 0;
  /** Wall clock = offset + mono / 1000. */
  private offset: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private onData: ((s: string) => void) | undefined;
  private onButton: ((down: boolean) => void) | undefined;
  /** Everything the token sent. */
  output = '';
  /** The last screen shown, or undefined while dark. */
  screen: string[] | undefined;
  bar = -1;
  /** Every draw: [mono ms, lines]. */
  draws: [number, string[]][] = [];
  /** Calls of the native hashes (an HMAC is two). */
  hashCalls = 0;
  /** Set when a power cut stopped the token. */
  dead = false;

  constructor(options?: FakeOptions) {
    const o = options || {};
    this.offset = o.time === undefined ? 1_800_000_000.25 : o.time;
    this.flash = o.flash || new FakeFlash();
    const hashes: { [k: string]: (d: Uint8Array) => Uint8Array } = {};
    for (const name of o.hashes || ['SHA1', 'SHA256']) {
      const nodeName = name.toLowerCase();
      hashes[name] = (d: Uint8Array) => {
        this.hashCalls++;
        return new Uint8Array(createHash(nodeName).update(d).digest());
      };
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- read by the HAL closures below
    const board = this;
    this.hal = {
      board: o.board || 'pico',
      hashes: hashes,
      // Espruino's E.CRC32 returns a signed number; the core must cope.
      crc32: (s: string) => crc32(Buffer.from(s, 'latin1')) | 0,
      onButton: (fn) => { board.onButton = fn; },
      show: (lines, bar) => {
        board.screen = lines.slice();
        board.bar = bar;
        board.draws.push([board.mono, lines.slice()]);
      },
      off: () => { board.screen = undefined; },
      now: () => board.offset + board.mono / 1000,
      setTime: (t) => { board.offset = t - board.mono / 1000; },
      storage: this.flash,
      link: {
        write: (s) => { if (!board.dead && !board.flash.frozen) board.output += s; },
        on: (_e, fn) => { board.onData = fn; },
      },
      after: (ms, fn) => {
        const t = { id: board.nextId++, due: board.mono + Math.max(0, ms), fn: fn };
        board.timers.push(t);
        return t.id;
      },
      cancel: (id) => { board.timers = board.timers.filter((t) => t.id !== id); },
    };
  }

  /** Boots the token core on this board. */
  start(): this {
    this.guard(() => startToken(this.hal));
    return this;
  }

  /** Runs token code; a power cut (which the core may catch) leaves the board dead. */
  private guard(fn: () => void): void {
    if (this.dead) return;
    try {
      fn();
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
    }
    if (this.flash.frozen) {
      this.dead = true;
      this.timers = [];
    }
  }

  /** The wall clock now. */
  now(): number {
    return this.hal.now();
  }

  /** Runs the clock forward, firing timers in order. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next || this.dead) break;
      const t = next;
      this.timers = this.timers.filter((x) => x !== t);
      this.mono = Math.max(this.mono, t.due);
      this.guard(t.fn);
    }
    this.mono = end;
  }

  /** Sends text to the token over the link. */
  send(text: string): void {
    this.guard(() => this.onData && this.onData(text));
  }

  /** Presses the button for `ms` (default 100) and releases it. */
  press(ms?: number): void {
    this.guard(() => this.onButton && this.onButton(true));
    this.advance(ms === undefined ? 100 : ms);
    this.guard(() => this.onButton && this.onButton(false));
  }

  /** Replies since the last call, one line each, "\n" removed. */
  take(): string[] {
    const lines = this.output.split('\n').filter((l) => l.length > 0);
    this.output = '';
    return lines;
  }

  /** Pending timer count (for leak checks). */
  timerCount(): number {
    return this.timers.length;
  }
}
