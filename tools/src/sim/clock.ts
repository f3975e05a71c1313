/**
 * The token's clock. Two separate quantities, as on Espruino:
 * - the oscillator: monotonic seconds since power-up, running (1 + driftPpm/1e6) times as fast as the
 *   host's clock; timers are scheduled on it, so setTime() does not move pending timeouts;
 * - the RTC reading getTime() returns: oscillator + an offset that setTime() changes.
 * The host's clock is either real (Date.now) or virtual (starts at the host's time, moves only by
 * advance()). At power-up the RTC reads host time + skew: a token whose clock kept running while off.
 */

export type ClockMode = 'real' | 'virtual';

export interface ClockOptions {
  mode: ClockMode;
  /** Seconds the token is ahead of the host at power-up (negative: behind). */
  skew: number;
  /** Parts per million the token's oscillator runs fast (negative: slow). */
  driftPpm: number;
  /** The host's clock in ms, for real mode (injectable for tests). */
  now?: () => number;
}

export class SimClock {
  readonly mode: ClockMode;
  readonly rate: number;
  private readonly now: () => number;
  private readonly hostStart: number;
  /** Virtual host time elapsed, seconds (virtual mode only). */
  private virtualElapsed = 0;
  /** getTime() - oscillator seconds. */
  private offset: number;

  constructor(opts: ClockOptions) {
    if (!Number.isFinite(opts.skew)) throw new RangeError(`skew must be a finite number of seconds, got ${opts.skew}`);
    if (!Number.isFinite(opts.driftPpm) || opts.driftPpm <= -1e6) throw new RangeError(`driftPpm must be a number above -1000000, got ${opts.driftPpm}`);
    this.mode = opts.mode;
    this.rate = 1 + opts.driftPpm / 1e6;
    this.now = opts.now ?? Date.now;
    this.hostStart = this.now() / 1000;
    this.offset = this.hostStart + opts.skew;
  }

  /** Host seconds elapsed since power-up (real or virtual). */
  hostElapsed(): number {
    return this.mode === 'virtual' ? this.virtualElapsed : this.now() / 1000 - this.hostStart;
  }

  /** The host's own idea of the current Unix time, seconds (what a correct clock reads). */
  hostTime(): number {
    return this.hostStart + this.hostElapsed();
  }

  /** Oscillator seconds since power-up. */
  monotonic(): number {
    return this.hostElapsed() * this.rate;
  }

  /** What Espruino's getTime() returns: UTC seconds with a fraction. */
  getTime(): number {
    return this.monotonic() + this.offset;
  }

  /** Espruino's setTime(t). */
  setTime(t: number): void {
    this.offset = t - this.monotonic();
  }

  /** Host milliseconds until the oscillator reads `mono` (real mode scheduling). */
  hostDelayMs(mono: number): number {
    return Math.max(0, ((mono - this.monotonic()) / this.rate) * 1000);
  }

  /** Virtual mode: sets the host's elapsed time (only forwards). */
  setVirtualElapsed(s: number): void {
    if (this.mode !== 'virtual') throw new Error('advance needs --clock virtual');
    if (s > this.virtualElapsed) this.virtualElapsed = s;
  }

  /** Virtual mode: host elapsed seconds at which the oscillator reads `mono`. */
  hostElapsedAt(mono: number): number {
    return mono / this.rate;
  }
}
