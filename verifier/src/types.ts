/**
 * The public shapes of the verifier library: options, tokens going in (provisioning, import) and
 * coming out (TokenInfo never holds the seed; ExportedToken does, for seed-file export only).
 */
import type { TokenParams } from '@hwtotp/protocol';

/** Lifecycle of a token in the registry. */
export type TokenState = 'pending' | 'unassigned' | 'assigned' | 'disabled';
/** Where the seed came from. */
export type TokenOrigin = 'provisioned' | 'imported';

/** A token entering the registry (addPending or importTokens). */
export interface NewToken extends Partial<TokenParams> {
  serial: string;
  /** The raw seed, within LIMITS.secretBytes of @hwtotp/protocol. */
  secret: Uint8Array;
  /** Key check value, 6 upper-case hex characters, if known. */
  kcv?: string;
  manufacturer?: string;
  model?: string;
  /** Known clock drift in steps (PSKC TimeDrift), the sign-in window's starting offset. Default 0. */
  driftSteps?: number;
}

/** A token with its seed, as exportTokens returns it (for seed-file export only). */
export interface ExportedToken extends TokenParams {
  serial: string;
  secret: Uint8Array;
  /** Drift in steps the registry has measured (PSKC TimeDrift). */
  driftSteps: number;
  kcv: string | null;
  manufacturer: string | null;
  model: string | null;
  state: TokenState;
  origin: TokenOrigin;
}

/** Everything the registry knows about a token except its seed. Times are ISO 8601 or null. */
export type TokenInfo = TokenParams & {
  serial: string;
  state: TokenState;
  user: string | null;
  deviceName: string | null;
  enableDate: string | null;
  /** Token clock minus server clock, in steps, as measured by the last accepted code. */
  driftSteps: number;
  /** The clock model's predicted drift now, in steps: where sign-in searches. */
  driftNowSteps: number;
  /** The sign-in window now: ±this many steps around driftNowSteps (widened by the model's uncertainty). */
  windowSteps: number;
  /** How fast the token's clock runs, in ppm (positive: fast), once observations far enough apart fit it; else null. */
  ratePpm: number | null;
  /** A second drift still in the running after a late enrollment (see README "Late codes"), else null. */
  candidateDriftSteps: number | null;
  /** The last step accepted (no code at or before it is accepted again), or null if none yet. */
  lastStep: number | null;
  failures: number;
  lockedUntil: string | null;
  lockLevel: number;
  origin: TokenOrigin;
  kcv: string | null;
  manufacturer: string | null;
  model: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsed: string | null;
}

/** One line of `list`. */
export type TokenListEntry = {
  serial: string;
  user: string | null;
  deviceName: string | null;
  enableDate: string | null;
  /** `damaged`: the row cannot be read (see `damaged`); restore it from a backup or re-import it. */
  state: TokenState | 'damaged';
  lastUsed: string | null;
  lockedUntil: string | null;
  /** Only on a damaged row: why it cannot be read. */
  damaged?: string;
  /** The clock model's predicted drift now, in steps. */
  driftNowSteps: number;
  /** The token clock's rate in ppm once fitted, else null. */
  ratePpm: number | null;
}

/** What the audit log records. */
export type AuditAction =
  | 'enable' | 'check' | 'resync' | 'deactivate' | 'lock' | 'import' | 'provision' | 'export'
  | 'disable' | 'reactivate' | 'remove' | 'find';

/** One audit row. Never holds a seed or a code. */
export type AuditRow = {
  id: number;
  at: string;
  action: AuditAction;
  serial: string | null;
  user: string | null;
  outcome: 'ok' | 'accepted' | 'refused';
  /** Why, for refusals ('wrong-code', 'replay', 'locked', ...) and some successes ('late-enrollment'). */
  reason: string | null;
  /** Small JSON-able facts: drift, step offsets, lock seconds. */
  detail: { [k: string]: unknown } | null;
}

/** Filter for audit(). */
export interface AuditFilter { serial?: string; user?: string; action?: AuditAction; limit?: number }

/** Options of openVerifier. */
export interface VerifierOptions {
  /** SQLite file path, ':memory:', or a postgres:// URL (PostgreSQL: see README "Deployment"). */
  db: string;
  /**
   * Create the registry when the file does not exist (default true). False for a caller that only
   * reads or changes existing tokens: a mistyped path is then a NoSuchEntity naming it, instead of
   * a new, empty registry and key file.
   */
  create?: boolean;
  /**
   * The 32-byte master key sealing seeds: bytes, or a string of 64 hex digits or base64.
   * Default: $HWTOTP_MASTER_KEY, else the key file `<db>.key` (created with mode 0600 for a new db).
   */
  masterKey?: Uint8Array | string;
  /** Key file path, default `<db>.key`. */
  keyFile?: string;
  /** Environment for HWTOTP_MASTER_KEY (default process.env). */
  env?: { [k: string]: string | undefined };
  /** The clock in milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Enrollment window: ±steps around now where code1/code2 may lie. Default 10 (±5 min at 30 s). */
  enableWindowSteps?: number;
  /** Resync window: ±seconds around now searched. Default 86400 (±1 day). */
  resyncWindowSeconds?: number;
  /** Sign-in window: ±steps around the predicted step (now + drift). Default 1. */
  checkWindowSteps?: number;
  /**
   * Bound on the sign-in window once the clock-rate model widens it for its uncertainty (a token
   * idle for months): never more than ±this many steps around the prediction. Default 10.
   */
  maxWindowSteps?: number;
  /**
   * Auto-resync band: a code within ±this many steps of the prediction but outside the sign-in
   * window is refused with NextCodeRequired, and the token's next code then signs in. 0 turns it
   * off. Default 20.
   */
  autoResyncSteps?: number;
  /**
   * find searches the whole resync window without being asked (`wide`) only while that costs at
   * most this many steps summed over the tokens; beyond, its second pass covers the auto-resync
   * band. Default 20,000,000: ±1 day of 30 s steps over about 3,400 tokens, some 10 s.
   */
  findWideBudget?: number;
  /** Enrollment drifts within ±this many steps are trusted outright (README "Late codes"). Default 2. */
  trustedDriftSteps?: number;
  /** Tokens per user. Default 8. */
  maxTokensPerUser?: number;
  /** Consecutive failures that lock a token. Default 5. */
  maxFailures?: number;
  /** First lock in seconds; each further lock doubles it. Default 60. */
  lockSeconds?: number;
  /** Longest lock in seconds. Default 3600. */
  maxLockSeconds?: number;
  /** Audit rows older than this many days are pruned (audit-retention.ts). Default 365. */
  auditMaxAgeDays?: number;
  /** At most this many audit rows are kept, the newest. Default 200,000. */
  auditMaxRows?: number;
  /** busy_timeout for SQLite in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous`: `normal` (default) survives a crashed process; `full` also keeps the
   * last accepted sign-ins through a power cut, at an fsync per sign-in. Default: $HWTOTP_SQLITE_SYNC,
   * else `normal`. See SECURITY.md "Replay marks and power cuts".
   */
  synchronous?: 'normal' | 'full';
  /** PostgreSQL connections per process. Default: $HWTOTP_PG_POOL_SIZE, else 10. */
  poolSize?: number;
}
