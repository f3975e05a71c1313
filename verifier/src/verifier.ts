/**
 * openVerifier: the library entry point (verifier/README.md).
 * Opens (and migrates) the registry, resolves the master key and checks it against the registry's
 * key check before any seed is touched, then exposes the operations as async methods so a
 * PostgreSQL store can slot in behind the same API.
 */
import { existsSync } from 'node:fs';
import { VerifierError } from './errors.ts';
import { Context, DEFAULT_SETTINGS, type Settings } from './context.ts';
import { makeKeyCheck, resolveMasterKey, verifyKeyCheck } from './master-key.ts';
import { SqliteStore } from './sqlite-store.ts';
import { noSuchRegistry } from './sqlite-open-errors.ts';
import { PgStore, isPostgresUrl, redactUrl } from './pg-store.ts';
import type { TokenStore } from './store.ts';
import type {
  AuditFilter, AuditRow, ExportedToken, NewToken, TokenInfo, TokenListEntry, TokenOrigin, VerifierOptions,
} from './types.ts';
import { enable, type EnableResult } from './enroll.ts';
import { check, type CheckResult } from './signin.ts';
import { resync, type ResyncResult } from './resync.ts';
import * as manage from './manage.ts';
import { find, type FindOptions, type FindResult } from './find.ts';
import * as writes from './registry-writes.ts';

const KEY_CHECK = 'master-key-check';

/** An open registry with the enrollment, sign-in and resync operations. */
export class Verifier {
  /** @internal Use openVerifier. */
  constructor(private readonly ctx: Context) {}

  /** Awaits an operation (which may have written audit rows), then lets audit retention run if due. */
  private async run<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } finally {
      // Not on a clock outside 2020-2100 (ctx.now() refuses it): a clock years ahead would expire every row.
      let now: number | undefined;
      try { now = this.ctx.now(); } catch { now = undefined; }
      if (now !== undefined) await this.ctx.pruner.afterOperation(now);
    }
  }

  /** The effective settings (windows, limits, lockout, audit retention). */
  get settings(): Readonly<Settings> { return this.ctx.settings; }

  /** Assigns an unassigned token to a user with two consecutive codes. */
  enable(user: string, deviceName: string, serial: string, code1: string, code2: string): Promise<EnableResult> {
    return this.run(enable(this.ctx, user, deviceName, serial, code1, code2));
  }
  /** Verifies a sign-in code against the user's tokens; throws VerifierError on refusal. */
  check(user: string, code: string): Promise<CheckResult> { return this.run(check(this.ctx, user, code)); }
  /** Re-measures a token's drift from two consecutive codes; clears a lock. */
  resync(user: string, serial: string, code1: string, code2: string): Promise<ResyncResult> {
    return this.run(resync(this.ctx, user, serial, code1, code2));
  }
  /** Operator: the one token that shows these two consecutive codes now (audited; a lookup, writes nothing else). */
  find(code1: string, code2: string, options: FindOptions = {}): Promise<FindResult> { return find(this.ctx, code1, code2, options); }
  /** Removes the token from the user (it can be enabled again). */
  deactivate(user: string, serial: string): Promise<void> { return this.run(manage.deactivate(this.ctx, user, serial)); }
  /** Operator: the token stops working until reactivated. */
  disable(serial: string): Promise<void> { return this.run(manage.disable(this.ctx, serial)); }
  /** Operator: undo disable. */
  reactivate(serial: string): Promise<void> { return this.run(manage.reactivate(this.ctx, serial)); }
  /** Tokens of a user, or all. */
  list(user?: string): Promise<TokenListEntry[]> { return manage.list(this.ctx, user); }
  /** One token's state, never its seed. */
  token(serial: string): Promise<TokenInfo> { return manage.token(this.ctx, serial); }
  /** Audit rows, newest first. */
  audit(filter?: AuditFilter): Promise<AuditRow[]> { return manage.audit(this.ctx, filter); }

  /** Provisioning phase 1: record a token before its seed is sent (never usable while pending). */
  addPending(token: NewToken): Promise<void> { return this.run(writes.addPending(this.ctx, token)); }
  /** Provisioning phase 2: the token reported this KCV; it must match the stored seed. */
  markReady(serial: string, kcv: string): Promise<void> { return this.run(writes.markReady(this.ctx, serial, kcv)); }
  /** Provisioning failed: forget the pending token. */
  removePending(serial: string): Promise<void> { return this.run(writes.removePending(this.ctx, serial)); }
  /** Loads tokens in one transaction: all or nothing. */
  importTokens(tokens: NewToken[], origin?: TokenOrigin): Promise<{ imported: number }> {
    return this.run(writes.importTokens(this.ctx, tokens, origin));
  }
  /** Tokens with seeds, for seed-file export only (audited). */
  exportTokens(serials?: string[]): Promise<ExportedToken[]> { return this.run(writes.exportTokens(this.ctx, serials)); }
  /** The next number of the serial counter for this prefix (atomic). */
  nextSerial(prefix: string): Promise<number> { return writes.nextSerial(this.ctx, prefix); }

  /** Closes the registry. */
  close(): Promise<void> { return this.ctx.store.close(); }
}

/** The environment variable that sets a setting: enableWindowSteps → HWTOTP_ENABLE_WINDOW_STEPS. */
export function settingVariable(name: keyof Settings): string {
  return 'HWTOTP_' + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** A setting from the option, else its environment variable (so CLI and serve users can set it), else the default. */
function setting(options: VerifierOptions, name: keyof Settings, min: number, max: number): number {
  let v: unknown = options[name];
  let where: string = name;
  if (v === undefined) {
    const raw = (options.env ?? process.env)[settingVariable(name)];
    if (raw === undefined || raw === '') return DEFAULT_SETTINGS[name];
    where = settingVariable(name);
    v = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new VerifierError('ValidationError', `${where} must be an integer from ${min} to ${max}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return v;
}

/** Resolves options into settings, checking each. */
export function resolveSettings(options: VerifierOptions): Settings {
  const s: Settings = {
    enableWindowSteps: setting(options, 'enableWindowSteps', 1, 1000),
    resyncWindowSeconds: setting(options, 'resyncWindowSeconds', 60, 30 * 86400),
    checkWindowSteps: setting(options, 'checkWindowSteps', 0, 10),
    maxWindowSteps: setting(options, 'maxWindowSteps', 0, 100),
    autoResyncSteps: setting(options, 'autoResyncSteps', 0, 1000),
    findWideBudget: setting(options, 'findWideBudget', 0, 1e12),
    trustedDriftSteps: setting(options, 'trustedDriftSteps', 0, 1000),
    maxTokensPerUser: setting(options, 'maxTokensPerUser', 1, 1000),
    maxFailures: setting(options, 'maxFailures', 1, 1000),
    lockSeconds: setting(options, 'lockSeconds', 1, 86400),
    maxLockSeconds: setting(options, 'maxLockSeconds', 1, 30 * 86400),
    auditMaxAgeDays: setting(options, 'auditMaxAgeDays', 1, 36_500),
    auditMaxRows: setting(options, 'auditMaxRows', 100, 1_000_000_000),
  };
  if (s.maxWindowSteps < s.checkWindowSteps) {
    throw new VerifierError('ValidationError',
      `maxWindowSteps (${s.maxWindowSteps}) must be at least checkWindowSteps (${s.checkWindowSteps}): it bounds the widened sign-in window`);
  }
  return s;
}

/** The SQLite durability asked for: the option, else $HWTOTP_SQLITE_SYNC, else `normal`. */
function resolveSynchronous(options: Pick<VerifierOptions, 'synchronous' | 'env'>): 'normal' | 'full' {
  const fromEnv = (options.env ?? process.env).HWTOTP_SQLITE_SYNC;
  const v: unknown = options.synchronous ?? (fromEnv === undefined || fromEnv === '' ? 'normal' : fromEnv);
  if (v !== 'normal' && v !== 'full') {
    const where = options.synchronous !== undefined ? 'synchronous' : 'HWTOTP_SQLITE_SYNC';
    throw new VerifierError('ValidationError', `${where} must be "normal" or "full", got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The PostgreSQL pool size asked for: the option, else $HWTOTP_PG_POOL_SIZE, else 10. */
export function resolvePoolSize(options: Pick<VerifierOptions, 'poolSize' | 'env'>): number {
  const fromEnv = (options.env ?? process.env).HWTOTP_PG_POOL_SIZE;
  const where = options.poolSize !== undefined ? 'poolSize' : 'HWTOTP_PG_POOL_SIZE';
  const v: unknown = options.poolSize ?? (fromEnv === undefined || fromEnv === '' ? 10 : /^\d+$/.test(fromEnv.trim()) ? Number(fromEnv) : fromEnv);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1000) {
    throw new VerifierError('ValidationError', `${where} must be an integer from 1 to 1000, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return v;
}

/**
 * Opens the store `db` names: a postgres:// or postgresql:// URL is PostgreSQL (pg-store.ts),
 * anything else a SQLite file or ':memory:'.
 */
export async function openStore(db: string,
  options: Pick<VerifierOptions, 'poolSize' | 'env' | 'busyTimeoutMs' | 'synchronous'> & { mustExist?: boolean } = {}): Promise<TokenStore> {
  if (isPostgresUrl(db)) return PgStore.open(db, { poolSize: resolvePoolSize(options) });
  return new SqliteStore(db, { busyTimeoutMs: options.busyTimeoutMs, synchronous: resolveSynchronous(options), mustExist: options.mustExist });
}

/** Opens a verifier over a TokenStore you built (e.g. a future PostgreSQL store). */
export async function openVerifierWithStore(store: TokenStore, options: Omit<VerifierOptions, 'keyFile'> & { keyFile?: string | null }): Promise<Verifier> {
  try {
    const settings = resolveSettings(options as VerifierOptions);
    const existing = await store.getMeta(KEY_CHECK);
    const key = resolveMasterKey({
      masterKey: options.masterKey, env: options.env ?? process.env,
      keyFile: options.keyFile === undefined ? null : options.keyFile, registryHasKey: existing !== undefined,
    });
    const check = existing ?? await store.setMetaIfAbsent(KEY_CHECK, makeKeyCheck(key));
    verifyKeyCheck(key, check, options.db);
    return new Verifier(new Context(store, key, options.now ?? Date.now, settings, options.db));
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * Opens the registry at options.db, a SQLite file or a postgres:// URL (created and migrated as needed).
 * @throws VerifierError MasterKeyMismatch / MasterKeyMissing / ValidationError (bad options) /
 *   StoreUnavailable (PostgreSQL unreachable).
 */
export async function openVerifier(options: VerifierOptions): Promise<Verifier> {
  if (!options || typeof options.db !== 'string' || options.db === '') {
    throw new VerifierError('ValidationError', 'db must be a file path, ":memory:" or a postgres:// URL');
  }
  if (isPostgresUrl(options.db)) {
    // A shared registry has no key file beside it, and a key invented by one process would seal
    // seeds no other process can open: the key must be given.
    const env = options.env ?? process.env;
    if (options.masterKey === undefined && !env.HWTOTP_MASTER_KEY && !options.keyFile) {
      throw new VerifierError('MasterKeyMissing',
        `registry ${redactUrl(options.db)} is on PostgreSQL: give every process the same master key in $HWTOTP_MASTER_KEY or with --key-file`);
    }
    resolveSettings(options);
    // The database must exist already (PostgreSQL refuses a missing one); its tables are made here.
    const store = await openStore(options.db, options);
    const { keyFile, db, create: _create, ...rest } = options;
    return openVerifierWithStore(store, { ...rest, db: redactUrl(db), keyFile: keyFile ?? null });
  }
  const mustExist = options.create === false && options.db !== ':memory:';
  if (mustExist && !existsSync(options.db)) throw noSuchRegistry(options.db);
  const store = await openStore(options.db, { ...options, mustExist });
  const keyFile = options.db === ':memory:' ? null : (options.keyFile ?? options.db + '.key');
  const { keyFile: _ignored, create: _create, ...rest } = options;
  return openVerifierWithStore(store, { ...rest, keyFile });
}
