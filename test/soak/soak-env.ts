/**
 * What the soaks share: how long each one runs, the seed that replays a run, and the heap of this
 * process after a full GC.
 *
 * - HWTOTP_SOAK_SECONDS: wall-clock seconds each soak test runs its random stream (default 90, so
 *   the two soaks take about three minutes in all; they run one after the other).
 * - HWTOTP_SOAK_SEED: the PRNG seed (default: a fresh one, printed). The same seed gives the same
 *   sequence of actions, so a failure at action n replays with that seed and a run long enough to
 *   reach n.
 *
 * vitest.soak.config.ts reads soakSeconds() too, to size the test timeout.
 */
import { randomInt } from 'node:crypto';

export const DEFAULT_SOAK_SECONDS = 90;

/** Seconds each soak runs, from HWTOTP_SOAK_SECONDS; a bad value is an error, never a silent default. */
export function soakSeconds(env: { [k: string]: string | undefined } = process.env): number {
  const raw = env.HWTOTP_SOAK_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_SOAK_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 7 * 86400) {
    throw new RangeError(`HWTOTP_SOAK_SECONDS must be a number of seconds above 0 and at most a week, got "${raw}"`);
  }
  return n;
}

/** The seed of this run, from HWTOTP_SOAK_SEED or fresh. */
export function soakSeed(env: { [k: string]: string | undefined } = process.env): number {
  const raw = env.HWTOTP_SOAK_SEED;
  if (raw === undefined || raw === '') return randomInt(2 ** 31);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 32) throw new RangeError(`HWTOTP_SOAK_SEED must be an integer from 0 to 2^32-1, got "${raw}"`);
  return n;
}

/** Timeout for one soak test: its run plus set-up, final checks and a loaded machine. */
export function soakTimeoutMs(env: { [k: string]: string | undefined } = process.env): number {
  return Math.ceil(soakSeconds(env) * 1000 * 1.5) + 180_000;
}

const MB = 1024 * 1024;

/** heapUsed after two full GCs, or undefined when this process has no global.gc (node without --expose-gc). */
export function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Samples the heap after a GC along a run. The baseline is taken once the run is warm (JIT, caches,
 * prepared statements); the end sample must not be more than `budget` above it. Without global.gc
 * nothing is sampled and check() says so and asserts nothing.
 */
export class HeapWatch {
  readonly available = typeof (globalThis as { gc?: unknown }).gc === 'function';
  baseline: number | undefined;
  peak = 0;
  samples = 0;
  last: number | undefined;

  /** Takes the baseline (call once the run is warm). */
  start(): void {
    this.baseline = this.sample();
  }

  /** Takes a sample; returns it (undefined without gc). */
  sample(): number | undefined {
    const h = heapAfterGc();
    if (h === undefined) return undefined;
    this.samples++;
    this.last = h;
    if (h > this.peak) this.peak = h;
    return h;
  }

  /** A line for the log. */
  describe(): string {
    if (!this.available) return 'heap: not measured (no global.gc)';
    if (this.baseline === undefined || this.last === undefined) return 'heap: no baseline taken';
    const f = (b: number) => (b / MB).toFixed(1);
    return `heap after GC: baseline ${f(this.baseline)} MB, end ${f(this.last)} MB (${this.last >= this.baseline ? '+' : ''}${f(this.last - this.baseline)} MB), peak ${f(this.peak)} MB over ${this.samples} samples`;
  }

  /**
   * The end sample against the baseline: returns the growth in bytes, or undefined (with a log line)
   * when the heap cannot be measured here. The caller asserts on it.
   */
  growth(label: string): number | undefined {
    if (!this.available) {
      console.log(`${label}: global.gc is not available (node was started without --expose-gc), so the heap-growth assertion is SKIPPED, not passed`);
      return undefined;
    }
    if (this.baseline === undefined) {
      console.log(`${label}: the run ended before the heap baseline was taken, so the heap-growth assertion is SKIPPED`);
      return undefined;
    }
    this.sample();
    return (this.last as number) - this.baseline;
  }
}

export { MB };
