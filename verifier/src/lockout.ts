/**
 * The lockout schedule: after `maxFailures` consecutive refused codes a token locks for
 * lockSeconds * 2^level, capped at maxLockSeconds (defaults: 5 failures; 1, 2, 4, 8, 16, 32 min,
 * then 1 h). Each lock raises the level and restarts the count; an accepted code or a resync resets
 * both. So a guesser gets at most 5 tries per hour in the long run: with 3 codes valid in a ±1 window
 * of 10^6, about 1 in 67,000 per hour.
 */
import type { TokenPatch, TokenRow } from './store.ts';

/** Lockout settings. */
export interface LockPolicy { maxFailures: number; lockSeconds: number; maxLockSeconds: number }

/** Length in seconds of the lock at this level (0 for the first lock). */
export function lockDuration(level: number, p: LockPolicy): number {
  return Math.min(p.lockSeconds * Math.pow(2, Math.min(level, 30)), p.maxLockSeconds);
}

/** The patch one more failure makes, and the lock length in seconds if it locks. */
export function afterFailure(row: TokenRow, nowMs: number, p: LockPolicy): { patch: TokenPatch; lockedFor: number | null } {
  const failures = row.failures + 1;
  if (failures < p.maxFailures) return { patch: { failures, updatedAt: nowMs }, lockedFor: null };
  const seconds = lockDuration(row.lockLevel, p);
  return {
    patch: { failures: 0, lockLevel: row.lockLevel + 1, lockedUntil: nowMs + seconds * 1000, updatedAt: nowMs },
    lockedFor: seconds,
  };
}

/** Whether the row is locked at nowMs. */
export function isLocked(row: TokenRow, nowMs: number): boolean {
  return row.lockedUntil !== null && row.lockedUntil > nowMs;
}
