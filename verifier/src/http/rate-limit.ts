/**
 * Token buckets for the sign-in check, one per key (a user name, or a client address).
 *
 * Why our own: it is thirty lines, it runs in the same process as the registry, and it needs
 * neither a plugin nor a store. A bucket holds up to `capacity` tokens and refills at `perSecond`;
 * each check takes one. An empty bucket refuses with the seconds until the next token, which the
 * server sends as Retry-After. The token lock in the verifier (consecutive wrong codes) is a
 * second, independent line of defence; this one also slows guessing across many users from one
 * address, and keeps a flood from ever reaching SQLite.
 */

/** Limits of one family of buckets. */
export interface BucketLimits {
  /** Most checks in a burst. */
  capacity: number;
  /** Tokens added back per second. */
  perSecond: number;
}

/** A take() outcome: allowed, or refused with the whole seconds to wait. */
export type Take = { ok: true } | { ok: false; retryAfter: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by string, with memory bounded by `maxKeys` (full buckets are forgotten first). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param limits capacity and refill rate
   * @param now clock in milliseconds (injectable for tests)
   * @param maxKeys buckets kept before idle (full) ones are swept
   */
  constructor(readonly limits: BucketLimits, private readonly now: () => number = Date.now, private readonly maxKeys = 100_000) {
    if (!(limits.capacity >= 1)) throw new RangeError(`rate limit capacity must be at least 1, got ${limits.capacity}`);
    if (!(limits.perSecond > 0)) throw new RangeError(`rate limit refill must be above 0 per second, got ${limits.perSecond}`);
  }

  /** Takes one token from `key`'s bucket. */
  take(key: string): Take {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(t);
      b = { tokens: this.limits.capacity, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limits.capacity, b.tokens + ((t - b.at) / 1000) * this.limits.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / this.limits.perSecond)) };
  }

  /** Number of buckets held (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limits.perSecond >= this.limits.capacity) this.buckets.delete(k);
    }
    // Still full of busy keys: drop the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.floor(this.buckets.size / 2);
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}
