/**
 * Silently dropped packets (unknown client, failed authenticator, malformed) are counted, and told
 * to the operator in a summary line at most once per interval, so that a flood of junk cannot flood
 * the log: the first drop is reported at once, the rest of the interval's drops in one line at its end.
 */

/** One summary: how many packets were dropped per reason since the last line, and the last source of each. */
export interface DropSummary { seconds: number; counts: { [reason: string]: number }; lastFrom: { [reason: string]: string } }

export const DROP_LOG_INTERVAL_MS = 10_000;

export class DropLog {
  private counts: { [reason: string]: number } = {};
  private lastFrom: { [reason: string]: string } = {};
  private pending = 0;
  private lastLineAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (s: DropSummary) => void, private readonly intervalMs = DROP_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now) {}

  /** Counts one dropped packet. */
  note(reason: string, from: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    this.lastFrom[reason] = from;
    this.pending++;
    const wait = this.lastLineAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), wait).unref();
  }

  /** Writes the pending summary now (also at shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return;
    const now = this.now();
    const seconds = Number.isFinite(this.lastLineAt) ? Math.round((now - this.lastLineAt) / 1000) : 0;
    this.emit({ seconds, counts: this.counts, lastFrom: this.lastFrom });
    this.counts = {};
    this.lastFrom = {};
    this.pending = 0;
    this.lastLineAt = now;
  }
}

/** A summary as one log line. */
export function formatDrops(s: DropSummary): string {
  const parts = Object.entries(s.counts).map(([reason, n]) => `${n} ${reason} (last from ${s.lastFrom[reason]})`);
  const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
  return `dropped ${total} packet${total === 1 ? '' : 's'}${s.seconds ? ` in the last ${s.seconds} s` : ''}: ${parts.join(', ')}`;
}
