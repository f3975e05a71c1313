/**
 * Audit retention: rows are kept by age (`auditMaxAgeDays`) and by count (`auditMaxRows`), pruned
 * as the registry runs, so refused checks for unknown users cannot grow the database without end.
 *
 * Store-agnostic: the verifier decides when, the store's `pruneAudit` how. Each open verifier
 * prunes on its first operation (so one-shot CLI commands prune too), then after every
 * PRUNE_EVERY_OPS operations or PRUNE_EVERY_MS, whichever comes first. Between two prunes the log
 * can exceed `auditMaxRows` by at most the rows those operations wrote (a few per operation).
 */
import type { TokenStore } from './store.ts';

/** Operations between prunes: small against the default of 200,000 rows, rare enough to cost nothing. */
export const PRUNE_EVERY_OPS = 500;
/** Longest time between prunes while operations arrive, so age-based expiry happens on a quiet server too. */
export const PRUNE_EVERY_MS = 60_000;

/** What to keep. */
export interface RetentionPolicy {
  auditMaxAgeDays: number;
  auditMaxRows: number;
}

/** Counts operations and prunes the audit log when one is due. */
export class AuditPruner {
  private opsSince = 0;
  private lastAt = -Infinity;

  constructor(private readonly store: TokenStore, private readonly policy: RetentionPolicy) {}

  /** Call after each operation; prunes if due. Never throws: a failed prune is retried at the next one due. */
  async afterOperation(nowMs: number): Promise<void> {
    this.opsSince++;
    if (this.opsSince < PRUNE_EVERY_OPS && nowMs - this.lastAt < PRUNE_EVERY_MS) return;
    this.opsSince = 0;
    this.lastAt = nowMs;
    try {
      await this.store.pruneAudit({
        olderThan: nowMs - this.policy.auditMaxAgeDays * 86_400_000,
        keepNewest: this.policy.auditMaxRows,
      });
    } catch {
      // A busy or read-only registry must not turn a sign-in into a failure; the next prune retries.
    }
  }
}
