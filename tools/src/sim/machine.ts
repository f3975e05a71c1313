/**
 * The token's event loop. Espruino runs one JavaScript task at a time from its event queue (a timer, a
 * pin watch, incoming serial data), then goes idle, where it flips the built-in display if it changed.
 * This class reproduces that on top of Node: every callback into the firmware goes through runTask(),
 * errors in a task are reported (Espruino prints "Uncaught ..." and keeps running), and timers run on
 * the simulated oscillator (see clock.ts), so a virtual clock fires them in order on advance().
 */
import { SimClock } from './clock.ts';

interface Timer {
  id: number;
  /** Oscillator seconds at which it is due. */
  due: number;
  /** Seconds between runs for setInterval, 0 for setTimeout. */
  interval: number;
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
}

export class Machine {
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;
  private hostTimer: NodeJS.Timeout | undefined;
  private idleQueued = false;
  private idleWaiters: (() => void)[] = [];
  /** True once the power is cut or the simulator stopped: nothing runs any more. */
  dead = false;

  constructor(
    readonly clock: SimClock,
    private readonly onError: (e: unknown) => void,
    private readonly onIdle: () => void,
  ) {}

  /** Runs one firmware callback as an Espruino task. */
  runTask(fn: () => void): void {
    if (this.dead) return;
    try {
      fn();
    } catch (e) {
      if (!this.dead) this.onError(e);
    }
    this.queueIdle();
  }

  /** Schedules the idle step (after the task's promise jobs have run). */
  queueIdle(): void {
    if (this.idleQueued) return;
    this.idleQueued = true;
    setImmediate(() => {
      this.idleQueued = false;
      if (!this.dead) {
        try {
          this.onIdle();
        } catch (e) {
          this.onError(e);
        }
      }
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    });
  }

  /** Resolves after the next idle step, i.e. once the token has processed what it was given. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.queueIdle();
    });
  }

  /** Espruino's setTimeout/setInterval (delay in ms on the token's oscillator). */
  addTimer(fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
    if (typeof fn !== 'function') throw new TypeError(`setTimeout/setInterval: the callback must be a function (string callbacks are not supported by the simulator), got ${typeof fn}`);
    let delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) delay = 0;
    const id = this.nextId++;
    const s = delay / 1000;
    this.timers.set(id, { id, due: this.clock.monotonic() + s, interval: repeat ? Math.max(s, 0.001) : 0, fn: fn as Timer['fn'], args });
    this.reschedule();
    return id;
  }

  /** clearTimeout/clearInterval; with no id, Espruino clears every timer. False if there was no such timer. */
  clearTimer(id: unknown): boolean {
    let found = true;
    if (id === undefined) this.timers.clear();
    else found = this.timers.delete(Number(id));
    this.reschedule();
    return found;
  }

  /** Number of pending timers (for tests and the power-cut freeze). */
  timerCount(): number {
    return this.timers.size;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }

  private fire(t: Timer): void {
    if (t.interval > 0) t.due += t.interval;
    else this.timers.delete(t.id);
    this.runTask(() => t.fn.apply(undefined, t.args));
  }

  /** Runs every timer due by now on the oscillator, in order. */
  private runDue(): void {
    for (;;) {
      if (this.dead) return;
      const t = this.earliest();
      if (!t || t.due > this.clock.monotonic() + 1e-9) break;
      this.fire(t);
    }
    this.reschedule();
  }

  private reschedule(): void {
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimer = undefined;
    if (this.dead) return;
    const t = this.earliest();
    if (!t) return;
    if (this.clock.mode === 'real') {
      this.hostTimer = setTimeout(() => this.runDue(), Math.min(this.clock.hostDelayMs(t.due) + 1, 2 ** 31 - 1));
    } else if (t.due <= this.clock.monotonic() + 1e-9) {
      // zero-delay timers still run asynchronously, as on the token
      this.hostTimer = setTimeout(() => this.runDue(), 0);
    }
  }

  /** Virtual clock: moves host time forward `seconds`, running due timers in order at their own time. */
  async advance(seconds: number): Promise<void> {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`advance: seconds must be a non-negative number, got ${seconds}`);
    const target = this.clock.hostElapsed() + seconds;
    for (;;) {
      if (this.dead) return;
      const t = this.earliest();
      if (!t || this.clock.hostElapsedAt(t.due) > target + 1e-9) break;
      this.clock.setVirtualElapsed(this.clock.hostElapsedAt(t.due));
      this.fire(t);
      // let the task's promise jobs and idle step run before the next timer, as on the token
      await this.settled();
    }
    this.clock.setVirtualElapsed(target);
    this.reschedule();
    await this.settled();
  }

  /** Stops everything: the power is gone. */
  kill(): void {
    this.dead = true;
    this.timers.clear();
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimer = undefined;
  }
}
