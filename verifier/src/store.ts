/**
 * The storage interface of the registry: narrow on purpose, so a PostgreSQL implementation can
 * follow the SQLite one (sqlite-store.ts) without touching the verifier logic.
 *
 * Every method is one atomic unit. The verifier never holds a transaction open across awaits;
 * instead a write carries a `guard`, the conditions under which it may apply, and the store checks
 * them in the same transaction as the write (SQLite: BEGIN IMMEDIATE + `UPDATE ... WHERE`;
 * PostgreSQL: the same conditional UPDATE). That is how "no code is accepted twice" holds across
 * processes: only one of two racing acceptances finds `last_step < step` still true.
 */
import type { TokenParams } from '@hwtotp/protocol';
import type { ClockModel } from './clock-model.ts';
import type { AuditAction, AuditFilter, TokenOrigin, TokenState } from './types.ts';

/** A token as stored. The secret is sealed (seal.ts); times are ms since the epoch. */
export interface TokenRow extends TokenParams {
  serial: string;
  sealedSecret: Uint8Array;
  state: TokenState;
  user: string | null;
  deviceName: string | null;
  enableDate: number | null;
  driftSteps: number;
  candidateDriftSteps: number | null;
  /** -1 when no step was accepted yet. */
  lastStep: number;
  failures: number;
  lockedUntil: number | null;
  lockLevel: number;
  origin: TokenOrigin;
  kcv: string | null;
  manufacturer: string | null;
  model: string | null;
  createdAt: number;
  updatedAt: number;
  lastUsed: number | null;
  /** The clock-rate model (clock-model.ts): one compact column, null until a first observation. */
  clockModel: ClockModel | null;
  /** After a NextCodeRequired: the step the first code matched, else null. */
  pendingStep: number | null;
  /** When that first code came (ms); its next code is accepted within NEXT_CODE_MS of it. */
  pendingAt: number | null;
  /** Bumped by every write; lets read-modify-write updates detect a concurrent change. */
  version: number;
}

/**
 * A row listTokens could not decode (an unknown state, a broken column): listed as damaged with its
 * serial and why, so one bad row does not hide the rest. Never used for a check or an export.
 */
export interface DamagedRow {
  /** The stored serial (JSON-quoted if it is not a valid serial), or `rowid N` if it is not text. */
  serial: string;
  /** Why, as the CorruptRecord message says it. */
  damaged: string;
}

/** True for a row listTokens could not decode. */
export function isDamaged(r: TokenRow | DamagedRow): r is DamagedRow {
  return 'damaged' in r;
}

/** What find searches with, of one token (the rest of its row is read only for a match). */
export type FindRow = Pick<TokenRow, 'serial' | 'algorithm' | 'digits' | 'period' | 't0' | 'driftSteps' | 'clockModel'>;

/** What findScan hands over as it reads, inside its snapshot. */
export interface FindVisitor {
  /** The stored find index, or null when none is (none built yet, or a token was deleted since). First. */
  index(blob: Uint8Array | null): void;
  /** Each token that is not pending and has the digits asked for, as it is read. */
  row(row: FindRow): void;
}

/** findScan's answer once every row was visited. */
export interface FindScan {
  /** Bumped by every token delete; putFindIndex stores only while it is unchanged. */
  epoch: number;
}

/** The columns an update may change. The seed is not one: a serial keeps its seed until deleted, which find-index.ts relies on. */
export type TokenPatch = Partial<Omit<TokenRow, 'serial' | 'createdAt' | 'version' | 'sealedSecret' | 'origin'>>;

/** Conditions checked atomically with a write; the write applies only if all hold. */
export interface Guard {
  /** The row's state must be one of these. */
  states?: TokenState[];
  /** The row's user must be this (null: no user). */
  user?: string | null;
  /** The row's last step must be below this (replay protection). */
  lastStepBelow?: number;
  /** The row must not be locked at this time (ms). */
  notLockedAt?: number;
  /** The row's version must be this (optimistic read-modify-write). */
  version?: number;
  /** The user must hold fewer than `max` tokens (assigned or disabled) before the write. */
  userBelow?: { user: string; max: number };
}

/** An audit row to append (id and time are filled by the store if absent). */
export interface AuditEntry {
  at: number;
  action: AuditAction;
  serial: string | null;
  user: string | null;
  outcome: 'ok' | 'accepted' | 'refused';
  reason?: string | null;
  detail?: { [k: string]: unknown } | null;
}

/** A stored audit row. */
export interface StoredAudit extends Required<AuditEntry> { id: number }

/** The registry's storage. All methods are atomic; see the file comment. */
export interface TokenStore {
  /** The token, or undefined. Throws CorruptRecord for a row that fails to decode. */
  getToken(serial: string): Promise<TokenRow | undefined>;
  /** Tokens holding this user (assigned or disabled), oldest first. */
  tokensOfUser(user: string): Promise<TokenRow[]>;
  /** All tokens, or one user's, ordered by serial; a row that fails to decode comes back as a DamagedRow. */
  listTokens(user?: string): Promise<(TokenRow | DamagedRow)[]>;
  /**
   * find's one read (find.ts), in one snapshot: the stored find index (find-index.ts) and its epoch,
   * then what the search needs of every token that is not pending and has these digits, handed to
   * the visitor row by row rather than returned: 100,000 row objects held at once cost find a
   * third of its time in garbage collection (measured).
   */
  findScan(digits: number, visit: FindVisitor): Promise<FindScan>;
  /** The sealed seeds of these serials; a serial not in the registry is left out. */
  sealedSecrets(serials: string[]): Promise<Map<string, Uint8Array>>;
  /** The stored find index (null when none is) and its epoch, as findScan reads them. */
  getFindIndex(): Promise<{ blob: Uint8Array | null; epoch: number }>;
  /**
   * Stores the sealed find index, unless a token was deleted since `epoch` was read: deleting a token
   * that is not pending bumps the epoch and clears the index in the delete's own transaction. True
   * when stored.
   */
  putFindIndex(blob: Uint8Array, epoch: number): Promise<boolean>;
  /** Inserts all rows and audit entries, or nothing: an existing serial throws EntityAlreadyExists. */
  insertTokens(rows: TokenRow[], audit: AuditEntry[]): Promise<void>;
  /** Applies the patch if the guard holds, with the audit entries, in one transaction. */
  updateToken(serial: string, patch: TokenPatch, guard: Guard, audit: AuditEntry[]): Promise<boolean>;
  /** Deletes the token if the guard holds, with the audit entries (and find's index, see putFindIndex). */
  deleteToken(serial: string, guard: Guard, audit: AuditEntry[]): Promise<boolean>;
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Newest first. */
  audit(filter: AuditFilter): Promise<StoredAudit[]>;
  /**
   * Audit retention (audit-retention.ts): deletes the rows written before `olderThan` (ms; rows are
   * taken in the order written, oldest first, up to the first younger one), then all but the
   * `keepNewest` newest rows (at most that many remain). Returns how many rows went. Should cost about
   * the rows it deletes, not the rows it keeps: it runs every few hundred operations.
   */
  pruneAudit(policy: { olderThan: number; keepNewest: number }): Promise<number>;
  /** Atomically increments and returns the named counter (first value 1). */
  nextSequence(name: string): Promise<number>;
  getMeta(key: string): Promise<string | undefined>;
  /** Sets the value unless the key exists; returns the value now stored. */
  setMetaIfAbsent(key: string, value: string): Promise<string>;
  /** Audit rows with an id above afterId, oldest first, at most limit (for copying a registry). */
  auditPage(afterId: number, limit: number): Promise<StoredAudit[]>;
  /** Every named counter (for copying a registry). */
  sequences(): Promise<{ name: string; value: number }[]>;
  /** Raises the named counter to at least value (for copying a registry; never lowers it). */
  raiseSequence(name: string, value: number): Promise<void>;
  /** Every metadata entry (for copying a registry). */
  metaEntries(): Promise<{ key: string; value: string }[]>;
  close(): Promise<void>;
}
