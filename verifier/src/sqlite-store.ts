/**
 * The embedded registry: TokenStore on SQLite through better-sqlite3 (synchronous, so each method
 * is one short transaction and never interleaves with another call in this process).
 *
 * WAL lets readers proceed while one process writes; busy_timeout makes a second writer wait
 * instead of failing with SQLITE_BUSY. Writes use BEGIN IMMEDIATE so the guard is evaluated under
 * the write lock: two processes racing to accept the same step serialize, and the second one's
 * `last_step < ?` is false (see store.ts).
 */
import Database from 'better-sqlite3';
import { SERIAL_PATTERN, checkParams } from '@hwtotp/protocol';
import type { HashAlgorithm } from '@hwtotp/protocol';
import { VerifierError } from './errors.ts';
import { migrate } from './sqlite-migrations.ts';
import { existsSync } from 'node:fs';
import { cannotWrite, noSuchRegistry } from './sqlite-open-errors.ts';
import type { AuditEntry, DamagedRow, FindRow, FindScan, FindVisitor, Guard, StoredAudit, TokenPatch, TokenRow, TokenStore } from './store.ts';
import { decodeModel, encodeModel, type ClockModel } from './clock-model.ts';
import type { AuditFilter, TokenOrigin, TokenState } from './types.ts';

/** Column of each TokenRow field (shared with pg-store.ts: both stores use the same names). */
export const COLUMNS: { [K in keyof TokenRow]: string } = {
  serial: 'serial', sealedSecret: 'sealed_secret', algorithm: 'algorithm', digits: 'digits',
  period: 'period', t0: 't0', state: 'state', user: 'user', deviceName: 'device_name',
  enableDate: 'enable_date', driftSteps: 'drift_steps', candidateDriftSteps: 'candidate_drift_steps',
  lastStep: 'last_step', failures: 'failures', lockedUntil: 'locked_until', lockLevel: 'lock_level',
  origin: 'origin', kcv: 'kcv', manufacturer: 'manufacturer', model: 'model', createdAt: 'created_at',
  updatedAt: 'updated_at', lastUsed: 'last_used', clockModel: 'clock_model', pendingStep: 'pending_step',
  pendingAt: 'pending_at', version: 'version',
};
export const KEYS = Object.keys(COLUMNS) as (keyof TokenRow)[];
const STATES: TokenState[] = ['pending', 'unassigned', 'assigned', 'disabled'];
const ORIGINS: TokenOrigin[] = ['provisioned', 'imported'];

export type Raw = { [column: string]: unknown };

function corrupt(serial: unknown, what: string): VerifierError {
  const s = typeof serial === 'string' ? serial : '(unreadable serial)';
  return new VerifierError('CorruptRecord',
    `the registry row of token ${s} is corrupted (${what}); restore it from a backup or re-import the token`,
    typeof serial === 'string' ? { serial } : {});
}

function int(raw: Raw, col: string, nullable: boolean): number | null {
  const v = raw[col];
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw corrupt(raw.serial, `${col} is not an integer`);
  return v;
}

function text(raw: Raw, col: string): string | null {
  const v = raw[col];
  if (v === null || typeof v === 'string') return v;
  throw corrupt(raw.serial, `${col} is not text`);
}

/** Decodes and checks one row; anything out of range is a CorruptRecord naming the serial. */
export function decode(raw: Raw): TokenRow {
  const serial = raw.serial;
  if (typeof serial !== 'string' || !SERIAL_PATTERN.test(serial)) throw corrupt(serial, 'bad serial');
  const secret = raw.sealed_secret;
  if (!(secret instanceof Uint8Array)) throw corrupt(serial, 'sealed secret is not a blob');
  const algorithm = raw.algorithm as HashAlgorithm;
  const digits = int(raw, 'digits', false)!;
  const period = int(raw, 'period', false)!;
  const t0 = int(raw, 't0', false)!;
  const wrong = checkParams({ algorithm, digits, period, t0 });
  if (wrong) throw corrupt(serial, wrong);
  const state = raw.state as TokenState;
  if (!STATES.includes(state)) throw corrupt(serial, 'unknown state');
  const origin = raw.origin as TokenOrigin;
  if (!ORIGINS.includes(origin)) throw corrupt(serial, 'unknown origin');
  const user = text(raw, 'user');
  if (state === 'assigned' && user === null) throw corrupt(serial, 'assigned without a user');
  return {
    serial, sealedSecret: secret, algorithm, digits, period, t0, state, user,
    deviceName: text(raw, 'device_name'), enableDate: int(raw, 'enable_date', true),
    driftSteps: int(raw, 'drift_steps', false)!, candidateDriftSteps: int(raw, 'candidate_drift_steps', true),
    lastStep: int(raw, 'last_step', false)!, failures: int(raw, 'failures', false)!,
    lockedUntil: int(raw, 'locked_until', true), lockLevel: int(raw, 'lock_level', false)!, origin,
    kcv: text(raw, 'kcv'), manufacturer: text(raw, 'manufacturer'), model: text(raw, 'model'),
    createdAt: int(raw, 'created_at', false)!, updatedAt: int(raw, 'updated_at', false)!,
    lastUsed: int(raw, 'last_used', true), clockModel: model(raw), pendingStep: int(raw, 'pending_step', true),
    pendingAt: int(raw, 'pending_at', true), version: int(raw, 'version', false)!,
  };
}

/** Decodes a row for a listing: a row that fails is reported as damaged instead of failing the whole list. */
export function decodeForList(raw: Raw): TokenRow | DamagedRow {
  try {
    return decode(raw);
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    const s = raw.serial;
    const serial = typeof s === 'string' ? (SERIAL_PATTERN.test(s) ? s : JSON.stringify(s)) : `rowid ${String(raw._rowid)}`;
    return { serial, damaged: e.message };
  }
}

/**
 * findScan's rows: these columns, in this order, of the tokens FIND_WHERE picks (its last parameter
 * is the digits). Each store reads them as arrays in the way measured fastest over 100,000 rows:
 * better-sqlite3 as one JSON array that SQLite builds (a third of the cost of 100,000 row
 * objects), node-postgres as plain rows in array mode (PostgreSQL's json_agg took twice as long).
 */
export const FIND_COLUMNS = ['serial', 'algorithm', 'digits', 'period', 't0', 'drift_steps', 'clock_model'] as const;
export const FIND_WHERE = "FROM tokens WHERE state <> 'pending' AND digits = ";

/**
 * Decodes one findScan row with decode's checks on the columns the search uses, or null for a
 * damaged row: a lookup passes over what `list` reports as damaged. The serial is only checked to
 * be text: a match is decoded in full, every check included, before find names it.
 */
export function decodeFindRow(a: unknown): FindRow | null {
  if (!Array.isArray(a) || a.length !== FIND_COLUMNS.length) return null;
  const [serial, algorithm, digits, period, t0, driftSteps, text] = a as unknown[];
  if (typeof serial !== 'string') return null;
  if (checkParams({ algorithm, digits, period, t0 }) !== undefined) return null;
  if (typeof driftSteps !== 'number' || !Number.isSafeInteger(driftSteps)) return null;
  const clockModel = typeof text === 'string' ? decodeModel(text) : null;
  if (text !== null && clockModel === null) return null;
  return { serial, algorithm: algorithm as HashAlgorithm, digits: digits as number, period: period as number, t0: t0 as number, driftSteps, clockModel };
}

/** Visits findScan's rows, each an array of FIND_COLUMNS (both stores), passing over damaged ones. */
export function visitFindRows(rows: unknown[], visit: FindVisitor): void {
  for (const raw of rows) {
    const row = decodeFindRow(raw);
    if (row) visit.row(row);
  }
}

/** One stored audit row (detail is JSON text in both stores). */
export function decodeAudit(r: Raw): StoredAudit {
  return {
    id: r.id as number, at: r.at as number, action: r.action as StoredAudit['action'],
    serial: r.serial as string | null, user: r.user as string | null,
    outcome: r.outcome as StoredAudit['outcome'], reason: r.reason as string | null,
    detail: typeof r.detail === 'string' ? JSON.parse(r.detail) as { [k: string]: unknown } : null,
  };
}

function model(raw: Raw): ClockModel | null {
  const t = text(raw, 'clock_model');
  if (t === null) return null;
  const m = decodeModel(t);
  if (!m) throw corrupt(raw.serial, 'clock_model is not a clock model');
  return m;
}

/** A row value as both stores bind it: the clock model as its text, bytes as a Buffer. */
export function bindValue(v: unknown, key?: keyof TokenRow): unknown {
  if (key === 'clockModel') return encodeModel(v as ClockModel | null);
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** How much of the file findScan maps: a registry of 1,000,000 tokens is about 260 MB. */
const FIND_MMAP_BYTES = 512 * 1024 * 1024;

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  busyTimeoutMs?: number;
  /** `normal` (default) or `full`: see SECURITY.md "Replay marks and power cuts". */
  synchronous?: 'normal' | 'full';
  /** Refuse to create the file (the caller checked it exists; this closes the race). */
  mustExist?: boolean;
}

/** TokenStore on one SQLite file (or ':memory:'). */
export class SqliteStore implements TokenStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * One transaction wrapper made once: better-sqlite3's db.transaction() is costly to create (it
   * builds several wrapped variants), and creating it per call cost more than the commit itself.
   */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;

  /** Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK if it throws). */
  private immediate<T>(fn: () => T): T {
    return this.tx.immediate(fn) as T;
  }

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    try {
      this.db = new Database(file, { fileMustExist: options.mustExist === true });
    } catch (e) {
      if (options.mustExist && !existsSync(file)) throw noSuchRegistry(file);
      throw cannotWrite(file, e) ?? new VerifierError('ValidationError', `cannot open registry ${file}: ${(e as Error).message}`);
    }
    try {
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      // Small pages for a new file: a sign-in commit dirties about five pages (token row, audit row,
      // two audit indexes), and every dirty page is written whole to the WAL; 1 KiB pages cut the
      // commit's CPU cost by a quarter against the 4 KiB default (measured). Ignored for an existing file.
      this.db.pragma('page_size = 1024');
      if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
      // NORMAL is durable against process crashes in WAL mode; a power cut may lose the last
      // commits but never corrupts the file. FULL fsyncs on every sign-in: on this machine's disk
      // 5,000 commits/s against NORMAL's 34,000 (measured), below issue 5's 10,000 checks/s.
      this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // A checkpoint (WAL back into the db file) is where NORMAL fsyncs; checkpointing every 16,000
      // pages (~16 MB of WAL) instead of SQLite's 1,000 made sign-in commits 20-30% cheaper (measured).
      this.db.pragma('wal_autocheckpoint = 16000');
      migrate(this.db, file);
      this.tx = this.db.transaction((fn: () => unknown) => fn());
    } catch (e) {
      this.db.close();
      if (e instanceof VerifierError) throw e;
      throw cannotWrite(file, e) ?? new VerifierError('CorruptRecord', `cannot use registry ${file}: ${(e as Error).message}`);
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private writeAudit(entries: AuditEntry[]): void {
    const ins = this.stmt('INSERT INTO audit (at, action, serial, user, outcome, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of entries) {
      ins.run(e.at, e.action, e.serial, e.user, e.outcome, e.reason ?? null, e.detail ? JSON.stringify(e.detail) : null);
    }
  }

  private where(guard: Guard, params: unknown[]): string {
    let sql = ' WHERE serial = ?';
    if (guard.states) { sql += ` AND state IN (${guard.states.map(() => '?').join(',')})`; params.push(...guard.states); }
    if (guard.user !== undefined) {
      if (guard.user === null) sql += ' AND user IS NULL';
      else { sql += ' AND user = ?'; params.push(guard.user); }
    }
    if (guard.lastStepBelow !== undefined) { sql += ' AND last_step < ?'; params.push(guard.lastStepBelow); }
    if (guard.notLockedAt !== undefined) { sql += ' AND (locked_until IS NULL OR locked_until <= ?)'; params.push(guard.notLockedAt); }
    if (guard.version !== undefined) { sql += ' AND version = ?'; params.push(guard.version); }
    if (guard.userBelow) {
      sql += " AND (SELECT COUNT(*) FROM tokens t2 WHERE t2.user = ? AND t2.state IN ('assigned','disabled')) < ?";
      params.push(guard.userBelow.user, guard.userBelow.max);
    }
    return sql;
  }

  async getToken(serial: string): Promise<TokenRow | undefined> {
    const raw = this.stmt('SELECT * FROM tokens WHERE serial = ?').get(serial) as Raw | undefined;
    return raw ? decode(raw) : undefined;
  }

  async tokensOfUser(user: string): Promise<TokenRow[]> {
    // Sorted here rather than by SQL: a user has at most a handful of rows, and ORDER BY on columns
    // outside the index costs a temporary b-tree on every sign-in.
    const rows = this.stmt("SELECT * FROM tokens WHERE user = ? AND state IN ('assigned','disabled')").all(user) as Raw[];
    return rows.map(decode).sort((a, b) => (a.enableDate ?? 0) - (b.enableDate ?? 0) || (a.serial < b.serial ? -1 : 1));
  }

  async listTokens(user?: string): Promise<(TokenRow | DamagedRow)[]> {
    const rows = (user === undefined
      ? this.stmt('SELECT rowid AS _rowid, * FROM tokens ORDER BY serial').all()
      : this.stmt('SELECT rowid AS _rowid, * FROM tokens WHERE user = ? ORDER BY serial').all(user)) as Raw[];
    return rows.map(decodeForList);
  }

  async findScan(digits: number, visit: FindVisitor): Promise<FindScan> {
    const index = this.stmt('SELECT epoch, blob FROM find_index WHERE id = 1');
    // A column holding a blob (a damaged row) would make json_array fail the whole read: it reads as NULL.
    const columns = FIND_COLUMNS.map((c) => `CASE WHEN typeof(${c}) = 'blob' THEN NULL ELSE ${c} END`).join(', ');
    const tokens = this.stmt(`SELECT json_group_array(json_array(${columns})) ${FIND_WHERE}?`).pluck();
    // Memory-mapped for this scan only: reading every page of a cold file through mmap took 85 ms
    // against 195 ms through SQLite's page cache (100,000 tokens, measured). Only here, because a
    // disk error under mmap is a SIGBUS rather than an error SQLite can return (SECURITY.md).
    this.db.pragma(`mmap_size = ${FIND_MMAP_BYTES}`);
    try {
      // One read transaction: the index and the rows come from the same snapshot.
      return this.tx.deferred(() => {
        const ix = index.get() as { epoch: number; blob: Buffer | null };
        visit.index(ix.blob);
        // json_group_array of no row is '[]'.
        visitFindRows(JSON.parse(tokens.get(digits) as string) as unknown[], visit);
        return { epoch: ix.epoch };
      }) as FindScan;
    } finally {
      this.db.pragma('mmap_size = 0');
    }
  }

  async sealedSecrets(serials: string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    if (serials.length > 1000) {
      // Most of the registry: one scan costs less than a lookup per serial.
      const wanted = new Set(serials);
      for (const r of this.stmt('SELECT serial, sealed_secret FROM tokens').iterate() as Iterable<{ serial: string; sealed_secret: Buffer }>) {
        if (wanted.has(r.serial)) out.set(r.serial, r.sealed_secret);
      }
      return out;
    }
    const one = this.stmt('SELECT sealed_secret FROM tokens WHERE serial = ?');
    for (const serial of serials) {
      const r = one.get(serial) as { sealed_secret: Buffer } | undefined;
      if (r) out.set(serial, r.sealed_secret);
    }
    return out;
  }

  async getFindIndex(): Promise<{ blob: Uint8Array | null; epoch: number }> {
    return this.stmt('SELECT epoch, blob FROM find_index WHERE id = 1').get() as { blob: Buffer | null; epoch: number };
  }

  async putFindIndex(blob: Uint8Array, epoch: number): Promise<boolean> {
    const st = this.stmt('UPDATE find_index SET blob = ? WHERE id = 1 AND epoch = ?');
    return this.immediate(() => st.run(bindValue(blob), epoch).changes === 1);
  }

  async insertTokens(rows: TokenRow[], audit: AuditEntry[]): Promise<void> {
    const cols = KEYS.map((k) => COLUMNS[k]);
    const ins = this.stmt(`INSERT INTO tokens (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
    const exists = this.stmt('SELECT 1 FROM tokens WHERE serial = ?');
    this.immediate(() => {
      for (const r of rows) {
        if (exists.get(r.serial)) {
          throw new VerifierError('EntityAlreadyExists',
            `token ${r.serial} is already in the registry; nothing was written`, { serial: r.serial });
        }
        ins.run(...KEYS.map((k) => bindValue(r[k], k)));
      }
      this.writeAudit(audit);
    });
  }

  async updateToken(serial: string, patch: TokenPatch, guard: Guard, audit: AuditEntry[]): Promise<boolean> {
    const params: unknown[] = [];
    const sets: string[] = [];
    for (const k of Object.keys(patch) as (keyof TokenPatch)[]) {
      if (patch[k] === undefined) continue;
      sets.push(`${COLUMNS[k]} = ?`);
      params.push(bindValue(patch[k], k));
    }
    sets.push('version = version + 1');
    const whereParams: unknown[] = [serial];
    const sql = `UPDATE tokens SET ${sets.join(', ')}${this.where(guard, whereParams)}`;
    const st = this.stmt(sql);
    return this.immediate(() => {
      const changed = st.run(...params, ...whereParams).changes === 1;
      if (changed) this.writeAudit(audit);
      return changed;
    });
  }

  async deleteToken(serial: string, guard: Guard, audit: AuditEntry[]): Promise<boolean> {
    const whereParams: unknown[] = [serial];
    const st = this.stmt(`DELETE FROM tokens${this.where(guard, whereParams)} RETURNING state`);
    const dropIndex = this.stmt('UPDATE find_index SET epoch = epoch + 1, blob = NULL WHERE id = 1');
    return this.immediate(() => {
      const gone = st.get(...whereParams) as { state: string } | undefined;
      if (!gone) return false;
      // The deleted seed leaves the find index with the row (find-index.ts holds no pending token).
      if (gone.state !== 'pending') dropIndex.run();
      this.writeAudit(audit);
      return true;
    });
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    this.immediate(() => this.writeAudit(entries));
  }

  async audit(filter: AuditFilter): Promise<StoredAudit[]> {
    const params: unknown[] = [];
    const conds: string[] = [];
    if (filter.serial !== undefined) { conds.push('serial = ?'); params.push(filter.serial); }
    if (filter.user !== undefined) { conds.push('user = ?'); params.push(filter.user); }
    if (filter.action !== undefined) { conds.push('action = ?'); params.push(filter.action); }
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 10000));
    const sql = `SELECT * FROM audit${conds.length ? ' WHERE ' + conds.join(' AND ') : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (this.stmt(sql).all(...params) as Raw[]).map(decodeAudit);
  }

  async auditPage(afterId: number, limit: number): Promise<StoredAudit[]> {
    return (this.stmt('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Raw[]).map(decodeAudit);
  }

  async sequences(): Promise<{ name: string; value: number }[]> {
    return this.stmt('SELECT name, value FROM sequences ORDER BY name').all() as { name: string; value: number }[];
  }

  async raiseSequence(name: string, value: number): Promise<void> {
    this.stmt('INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)').run(name, value);
  }

  async metaEntries(): Promise<{ key: string; value: string }[]> {
    return this.stmt('SELECT key, value FROM meta ORDER BY key').all() as { key: string; value: string }[];
  }

  async pruneAudit(policy: { olderThan: number; keepNewest: number }): Promise<number> {
    // Both by id (AUTOINCREMENT: it grows in the order rows are written and is never reused), so
    // each costs about the rows it deletes: no index on `at` to pay for on every insert, the age scan
    // stops at the first row young enough to keep, and the count cut is MAX(id) - keepNewest rather
    // than an OFFSET walk over the rows kept. Ids a rolled-back transaction skipped make it keep fewer.
    const firstKept = this.stmt('SELECT id FROM audit WHERE at >= ? ORDER BY id LIMIT 1');
    const byAge = this.stmt('DELETE FROM audit WHERE id < ?');
    const byCount = this.stmt('DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?');
    return this.immediate(() => {
      const kept = firstKept.get(policy.olderThan) as { id: number } | undefined;
      let n = byAge.run(kept ? kept.id : Number.MAX_SAFE_INTEGER).changes;
      n += byCount.run(policy.keepNewest).changes;
      return n;
    });
  }

  async nextSequence(name: string): Promise<number> {
    const st = this.stmt('INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value');
    return this.immediate(() => (st.get(name) as { value: number }).value);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  async setMetaIfAbsent(key: string, value: string): Promise<string> {
    return this.immediate(() => {
      this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(key, value);
      return (this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
