/**
 * What every operation shares: the store, the master key, the clock and the settings, plus the
 * cache of ready-to-use HOTP generators (unsealing a seed and computing its HMAC midstates costs
 * more than a whole sign-in check, so it is done once per seed, not once per code).
 */
import { MAX_TIME, MIN_TIME, totpStep } from '@hwtotp/protocol';
import { VerifierError } from './errors.ts';
import { hotpGenerator, type HotpGenerator } from './fast-hotp.ts';
import { seedAad, unseal } from './seal.ts';
import type { AuditEntry, TokenRow, TokenStore } from './store.ts';
import type { AuditAction, TokenInfo, TokenListEntry } from './types.ts';
import type { LockPolicy } from './lockout.ts';
import { AuditPruner, type RetentionPolicy } from './audit-retention.ts';
import { fittedRatePpm } from './clock-model.ts';
import { prediction } from './signin-window.ts';

/** Resolved settings (VerifierOptions with defaults applied). */
export interface Settings extends LockPolicy, RetentionPolicy {
  enableWindowSteps: number;
  resyncWindowSeconds: number;
  checkWindowSteps: number;
  maxWindowSteps: number;
  autoResyncSteps: number;
  findWideBudget: number;
  trustedDriftSteps: number;
  maxTokensPerUser: number;
}

/** Defaults; see README "Windows" and "Lockout". */
export const DEFAULT_SETTINGS: Settings = {
  enableWindowSteps: 10,
  resyncWindowSeconds: 86400,
  checkWindowSteps: 1,
  maxWindowSteps: 10,
  autoResyncSteps: 20,
  findWideBudget: 20_000_000,
  trustedDriftSteps: 2,
  maxTokensPerUser: 8,
  maxFailures: 5,
  lockSeconds: 60,
  maxLockSeconds: 3600,
  auditMaxAgeDays: 365,
  auditMaxRows: 200_000,
};

/** Cached generators of the tokens signing in (~200 B each); the cache starts again when full. */
const CACHE_LIMIT = 200_000;

/** The shared state of one open verifier. */
export class Context {
  private readonly generators = new Map<string, { sealed: Buffer; gen: HotpGenerator }>();
  /** Audit retention, run after operations (audit-retention.ts). */
  readonly pruner: AuditPruner;

  constructor(
    readonly store: TokenStore,
    readonly key: Buffer,
    readonly clock: () => number,
    readonly settings: Settings,
    readonly where: string,
  ) {
    this.pruner = new AuditPruner(store, settings);
  }

  /** The current time in ms, refused when the host clock is obviously wrong. */
  now(): number {
    const ms = this.clock();
    const s = ms / 1000;
    if (!Number.isFinite(s) || s < MIN_TIME || s > MAX_TIME) {
      throw new VerifierError('ClockSkew',
        `the server clock reads ${Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)}, outside 2020-2100; ` +
        'fix the server clock before checking codes');
    }
    return ms;
  }

  /** The token's step at nowMs (RFC 6238 §4.2). */
  step(row: Pick<TokenRow, 'period' | 't0'>, nowMs: number): number {
    return totpStep(nowMs / 1000, row.period, row.t0);
  }

  /** The unsealed seed. Throws CorruptRecord naming the serial when it does not open. */
  secret(row: TokenRow): Buffer {
    const s = unseal(this.key, row.sealedSecret, seedAad(row.serial));
    if (!s) {
      throw new VerifierError('CorruptRecord',
        `the seed of token ${row.serial} does not decrypt: the row is corrupted or was copied from another serial; ` +
        'restore it from a backup or re-import the token', { serial: row.serial });
    }
    return s;
  }

  /** The HOTP generator of the row's seed (cached per serial and sealed blob). */
  generator(row: TokenRow): HotpGenerator {
    const sealed = Buffer.from(row.sealedSecret.buffer, row.sealedSecret.byteOffset, row.sealedSecret.byteLength);
    const hit = this.generators.get(row.serial);
    if (hit && hit.sealed.equals(sealed) && hit.gen.digits === row.digits) return hit.gen;
    const secret = this.secret(row);
    const gen = hotpGenerator(row.algorithm, secret, row.digits);
    secret.fill(0);
    if (this.generators.size >= CACHE_LIMIT) this.generators.clear();
    this.generators.set(row.serial, { sealed: Buffer.from(sealed), gen });
    return gen;
  }

  /** An audit entry at the given time. */
  audit(at: number, action: AuditAction, row: { serial: string | null; user: string | null },
    outcome: AuditEntry['outcome'], reason: string | null = null, detail: AuditEntry['detail'] = null): AuditEntry {
    return { at, action, serial: row.serial, user: row.user, outcome, reason, detail };
  }
}

/** ISO 8601 of a ms time, or null. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The clock model as the views show it at nowMs: drift now and the window (signin-window.ts), the rate once fitted. */
export function clockView(r: TokenRow, s: Settings, nowMs: number): { driftNowSteps: number; windowSteps: number; ratePpm: number | null } {
  const p = prediction(r, s, nowMs);
  const rate = fittedRatePpm(r.clockModel);
  return { driftNowSteps: p.driftSteps, windowSteps: p.halfWidth, ratePpm: rate === null ? null : Math.round(rate * 10) / 10 };
}

/** The public view of a row (never the seed), with its clock as of nowMs. */
export function toInfo(r: TokenRow, s: Settings, nowMs: number): TokenInfo {
  return {
    ...clockView(r, s, nowMs),
    serial: r.serial, algorithm: r.algorithm, digits: r.digits, period: r.period, t0: r.t0, state: r.state,
    user: r.user, deviceName: r.deviceName, enableDate: iso(r.enableDate), driftSteps: r.driftSteps,
    candidateDriftSteps: r.candidateDriftSteps, lastStep: r.lastStep < 0 ? null : r.lastStep,
    failures: r.failures, lockedUntil: iso(r.lockedUntil), lockLevel: r.lockLevel, origin: r.origin,
    kcv: r.kcv, manufacturer: r.manufacturer, model: r.model, createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!, lastUsed: iso(r.lastUsed),
  };
}

/** One `list` line, with its clock as of nowMs. */
export function toListEntry(r: TokenRow, s: Settings, nowMs: number): TokenListEntry {
  const { driftNowSteps, ratePpm } = clockView(r, s, nowMs);
  return {
    serial: r.serial, user: r.user, deviceName: r.deviceName, enableDate: iso(r.enableDate), state: r.state,
    lastUsed: iso(r.lastUsed), lockedUntil: iso(r.lockedUntil), driftNowSteps, ratePpm,
  };
}

/** The NoSuchEntity for an unknown serial. */
export function noSuchToken(serial: string): VerifierError {
  return new VerifierError('NoSuchEntity', `no token with serial ${serial} is in the registry`, { serial });
}

/** The error of a locked token, with until when. */
export function lockedError(row: TokenRow, nowMs: number): VerifierError {
  const until = row.lockedUntil ?? nowMs;
  const retryAfter = Math.max(1, Math.ceil((until - nowMs) / 1000));
  return new VerifierError('EntityTemporarilyUnmodifiable',
    `token ${row.serial} is locked after too many wrong codes until ${new Date(until).toISOString()} ` +
    `(${retryAfter} s); try again then, or resync it`, { serial: row.serial, lockedUntil: new Date(until).toISOString(), retryAfter, reason: 'locked' });
}
