/**
 * The shared registry: TokenStore on PostgreSQL through a node-postgres pool, for several verifier
 * processes (on several machines) behind one database.
 *
 * Guards (store.ts) become the WHERE clause of the one UPDATE or DELETE that writes, and its audit
 * rows are inserted by the same statement (a data-modifying WITH), so a write and its audit commit
 * together in one round trip. Under READ COMMITTED PostgreSQL re-checks the WHERE clause against the
 * newest version of a row another transaction just changed, so of two processes racing to accept the
 * same step only one still finds `last_step < step`. The one guard that reads other rows, the per-user
 * token limit, runs in a transaction holding an advisory lock on the user, so two enrollments of one
 * user serialize and the second counts the first.
 *
 * A database that cannot be reached is a StoreUnavailable error (HTTP 503): the operation failed,
 * nothing is accepted, and a failure that could not be written is not counted. The pool drops broken
 * connections and opens new ones, so the store works again as soon as the database is back.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { VerifierError } from './errors.ts';
import { migratePg } from './pg-migrations.ts';
import { COLUMNS, FIND_COLUMNS, FIND_WHERE, KEYS, bindValue, decode, decodeAudit, decodeForList, visitFindRows, type Raw } from './sqlite-store.ts';
import type { AuditEntry, DamagedRow, FindScan, FindVisitor, Guard, StoredAudit, TokenPatch, TokenRow, TokenStore } from './store.ts';
import type { AuditFilter } from './types.ts';

/** Whether db names a PostgreSQL registry rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Options of the PostgreSQL store. */
export interface PgStoreOptions {
  /** Connections in the pool. */
  poolSize: number;
  /** How long to wait for a connection before the operation fails (ms). Default 5000. */
  connectTimeoutMs?: number;
  /** How long one query may take before the operation fails (ms). Default 10000. */
  queryTimeoutMs?: number;
}

// BIGINT (oid 20) arrives as a string by default; every BIGINT here is a ms time, a step or a
// counter, all far inside Number's safe range (decode() re-checks each value).
const PG_INT8 = 20;
/**
 * node-postgres, loaded by the first PgStore.open: a SQLite registry's commands never pay the 70 ms
 * its import costs (measured; `hwtotp find` over 100,000 tokens is about 1 s in all).
 */
let PG: typeof pg;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8 && format !== 'binary' ? (v: string) => Number(v) : PG.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Whether e means "the database is not there": SQLSTATE classes 08 (connection), 53 (resources) and
 * 57 (shutdown), a socket error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...), or node-postgres's own
 * "Connection terminated" and timeout errors. Anything else is a real error and passes through.
 */
function unavailable(e: unknown): boolean {
  if (e instanceof PG.DatabaseError) return /^(08|53|57)/.test(e.code ?? '');
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /connection|timeout|terminated/i.test((e as Error | undefined)?.message ?? '');
}

const q = (column: string): string => `"${column}"`;
const AUDIT_COLUMNS = '(at, action, serial, "user", outcome, reason, detail)';

/** TokenStore on a PostgreSQL database. Open with PgStore.open (it migrates the schema). */
export class PgStore implements TokenStore {
  private constructor(private readonly pool: pg.Pool, readonly location: string) {}

  /** Connects, checks the database answers and brings the schema up to date. */
  static async open(url: string, options: PgStoreOptions): Promise<PgStore> {
    const where = redactUrl(url);
    try {
      new URL(url);
    } catch {
      throw new VerifierError('ValidationError', `the registry URL is not a valid postgres:// URL (${url.length} characters; the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
    }
    PG ??= (await import('pg')).default;
    const pool = new PG.Pool({
      connectionString: url, max: options.poolSize, types, keepAlive: true,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000, query_timeout: options.queryTimeoutMs ?? 10_000,
      application_name: 'hwtotp',
    });
    // An idle connection dropped by the server (restart, failover) is only discarded; the next
    // query opens a new one. Without a listener node-postgres would crash the process.
    pool.on('error', () => undefined);
    const store = new PgStore(pool, where);
    try {
      await store.run(async () => {
        const client = await pool.connect();
        try {
          await migratePg(client, where);
        } finally {
          client.release();
        }
      });
    } catch (e) {
      await pool.end();
      if (e instanceof VerifierError) throw e;
      // No such database (3D000), a refused login (28...), no privilege (42501): the URL or the
      // role is wrong, not the data.
      const misconfigured = e instanceof PG.DatabaseError && /^(3D000|28|42501)/.test(e.code ?? '');
      throw new VerifierError(misconfigured ? 'ValidationError' : 'CorruptRecord', `cannot use registry ${where}: ${(e as Error).message}`);
    }
    return store;
  }

  /** Runs fn, turning "the database is unreachable" into StoreUnavailable (never the URL's password). */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof VerifierError || !unavailable(e)) throw e;
      const why = (e as { code?: string }).code ?? (e as Error).message;
      throw new VerifierError('StoreUnavailable',
        `the registry database ${this.location} cannot be reached (${why}); the request was refused and nothing was written: retry when the database is back`);
    }
  }

  /**
   * One statement on any pooled connection. The sign-in path's statements are named, so each
   * connection parses and plans them once (a named statement per distinct text; their shapes are few).
   */
  private query<R extends pg.QueryResultRow = Raw>(sql: string, params: unknown[] = [], prepared = false): Promise<pg.QueryResult<R>> {
    if (!prepared) return this.run(() => this.pool.query<R>(sql, params));
    let name = this.names.get(sql);
    if (!name) {
      name = 'hw_' + createHash('sha1').update(sql).digest('hex').slice(0, 20);
      this.names.set(sql, name);
    }
    return this.run(() => this.pool.query<R>({ name, text: sql, values: params }));
  }
  private readonly names = new Map<string, string>();

  /** Runs fn in BEGIN ... COMMIT on one connection (ROLLBACK, and the connection dropped, if it throws). */
  private transaction<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return this.run(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(begin);
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch((re: Error) => { broken = re; });
        throw e;
      } finally {
        client.release(broken);
      }
    });
  }

  /** The WHERE clause of a guarded write; parameters are appended to params. */
  private guardSql(serial: string, guard: Guard, params: unknown[]): string {
    const p = (v: unknown): string => { params.push(v); return `$${params.length}`; };
    let sql = ` WHERE serial = ${p(serial)}`;
    if (guard.states) sql += ` AND state IN (${guard.states.map(p).join(',')})`;
    if (guard.user !== undefined) sql += guard.user === null ? ' AND "user" IS NULL' : ` AND "user" = ${p(guard.user)}`;
    if (guard.lastStepBelow !== undefined) sql += ` AND last_step < ${p(guard.lastStepBelow)}`;
    if (guard.notLockedAt !== undefined) sql += ` AND (locked_until IS NULL OR locked_until <= ${p(guard.notLockedAt)})`;
    if (guard.version !== undefined) sql += ` AND version = ${p(guard.version)}`;
    if (guard.userBelow) {
      sql += ` AND (SELECT COUNT(*) FROM tokens t2 WHERE t2."user" = ${p(guard.userBelow.user)} AND t2.state IN ('assigned','disabled')) < ${p(guard.userBelow.max)}`;
    }
    return sql;
  }

  /** `INSERT INTO audit ... SELECT FROM (VALUES ...)`, with the rows' parameters appended. */
  private auditValues(entries: AuditEntry[], params: unknown[]): string {
    const rows = entries.map((e) => {
      params.push(e.at, e.action, e.serial, e.user, e.outcome, e.reason ?? null, e.detail ? JSON.stringify(e.detail) : null);
      const n = params.length;
      return `($${n - 6}::bigint, $${n - 5}::text, $${n - 4}::text, $${n - 3}::text, $${n - 2}::text, $${n - 1}::text, $${n}::text)`;
    });
    return `VALUES ${rows.join(', ')}`;
  }

  /**
   * One statement: the guarded UPDATE/DELETE, and the audit rows only if it changed the row, plus
   * `also`, a further data-modifying CTE that may test w (the changed row's state) the same way.
   * With a userBelow guard it runs under the user's advisory lock (see the file comment).
   */
  private async guardedWrite(head: string, serial: string, guard: Guard, audit: AuditEntry[], params: unknown[], also = ''): Promise<boolean> {
    const where = this.guardSql(serial, guard, params);
    let sql = `WITH w AS (${head}${where} RETURNING state)${also}`;
    if (audit.length > 0) {
      sql += `, a AS (INSERT INTO audit ${AUDIT_COLUMNS} SELECT * FROM (${this.auditValues(audit, params)}) v WHERE EXISTS (SELECT 1 FROM w))`;
    }
    sql += ' SELECT COUNT(*)::int AS n FROM w';
    if (!guard.userBelow) return (await this.query<{ n: number }>(sql, params, true)).rows[0]!.n === 1;
    const user = guard.userBelow.user;
    return this.transaction(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('hwtotp-user:' || $1))", [user]);
      return (await c.query<{ n: number }>(sql, params)).rows[0]!.n === 1;
    });
  }

  async getToken(serial: string): Promise<TokenRow | undefined> {
    const raw = (await this.query('SELECT * FROM tokens WHERE serial = $1', [serial], true)).rows[0];
    return raw ? decode(raw) : undefined;
  }

  async tokensOfUser(user: string): Promise<TokenRow[]> {
    const { rows } = await this.query(`SELECT * FROM tokens WHERE "user" = $1 AND state IN ('assigned','disabled')`, [user], true);
    return rows.map(decode).sort((a, b) => (a.enableDate ?? 0) - (b.enableDate ?? 0) || (a.serial < b.serial ? -1 : 1));
  }

  async listTokens(user?: string): Promise<(TokenRow | DamagedRow)[]> {
    // COLLATE "C": order by code point, as SQLite does, whatever the database's locale.
    const { rows } = user === undefined
      ? await this.query('SELECT * FROM tokens ORDER BY serial COLLATE "C"')
      : await this.query('SELECT * FROM tokens WHERE "user" = $1 ORDER BY serial COLLATE "C"', [user]);
    return rows.map(decodeForList);
  }

  async findScan(digits: number, visit: FindVisitor): Promise<FindScan> {
    // REPEATABLE READ: the index and the rows come from the same snapshot.
    return this.transaction(async (c) => {
      const ix = (await c.query<{ epoch: number; blob: Buffer | null }>('SELECT epoch, blob FROM find_index WHERE id = 1')).rows[0]!;
      visit.index(ix.blob);
      const { rows } = await c.query<unknown[]>({ text: `SELECT ${FIND_COLUMNS.join(', ')} ${FIND_WHERE}$1`, values: [digits], rowMode: 'array' });
      visitFindRows(rows, visit);
      return { epoch: ix.epoch };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async sealedSecrets(serials: string[]): Promise<Map<string, Uint8Array>> {
    const { rows } = await this.query<{ serial: string; sealed_secret: Buffer }>(
      'SELECT serial, sealed_secret FROM tokens WHERE serial = ANY($1::text[])', [serials]);
    return new Map(rows.map((r) => [r.serial, r.sealed_secret]));
  }

  async getFindIndex(): Promise<{ blob: Uint8Array | null; epoch: number }> {
    return (await this.query<{ blob: Buffer | null; epoch: number }>('SELECT epoch, blob FROM find_index WHERE id = 1')).rows[0]!;
  }

  async putFindIndex(blob: Uint8Array, epoch: number): Promise<boolean> {
    // The UPDATE waits for a concurrent delete's row lock, then rechecks the epoch it bumped.
    const res = await this.query('UPDATE find_index SET blob = $1 WHERE id = 1 AND epoch = $2', [bindValue(blob), epoch]);
    return res.rowCount === 1;
  }

  async insertTokens(rows: TokenRow[], audit: AuditEntry[]): Promise<void> {
    // Chunks of 1,000 rows keep each statement far below PostgreSQL's 65,535 parameters.
    const CHUNK = 1000;
    const cols = KEYS.map((k) => q(COLUMNS[k])).join(',');
    await this.transaction(async (c) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const params: unknown[] = [];
        const values = chunk.map((r) => '(' + KEYS.map((k) => { params.push(bindValue(r[k], k)); return `$${params.length}`; }).join(',') + ')');
        const res = await c.query<{ serial: string }>(
          `INSERT INTO tokens (${cols}) VALUES ${values.join(',')} ON CONFLICT (serial) DO NOTHING RETURNING serial`, params);
        if (res.rows.length !== chunk.length) {
          const added = new Set(res.rows.map((r) => r.serial));
          const serial = chunk.find((r) => !added.has(r.serial))!.serial;
          throw new VerifierError('EntityAlreadyExists', `token ${serial} is already in the registry; nothing was written`, { serial });
        }
      }
      for (let i = 0; i < audit.length; i += CHUNK) {
        const params: unknown[] = [];
        await c.query(`INSERT INTO audit ${AUDIT_COLUMNS} ${this.auditValues(audit.slice(i, i + CHUNK), params)}`, params);
      }
    });
  }

  async updateToken(serial: string, patch: TokenPatch, guard: Guard, audit: AuditEntry[]): Promise<boolean> {
    const params: unknown[] = [];
    const sets: string[] = [];
    for (const k of Object.keys(patch) as (keyof TokenPatch)[]) {
      if (patch[k] === undefined) continue;
      params.push(bindValue(patch[k], k));
      sets.push(`${q(COLUMNS[k])} = $${params.length}`);
    }
    sets.push('version = version + 1');
    return this.guardedWrite(`UPDATE tokens SET ${sets.join(', ')}`, serial, guard, audit, params);
  }

  async deleteToken(serial: string, guard: Guard, audit: AuditEntry[]): Promise<boolean> {
    // The deleted seed leaves the find index with the row, in the same statement (find-index.ts
    // holds no pending token).
    return this.guardedWrite('DELETE FROM tokens', serial, guard, audit, [],
      ", f AS (UPDATE find_index SET epoch = epoch + 1, blob = NULL WHERE id = 1 AND EXISTS (SELECT 1 FROM w WHERE state <> 'pending'))");
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const params: unknown[] = [];
    await this.query(`INSERT INTO audit ${AUDIT_COLUMNS} ${this.auditValues(entries, params)}`, params, entries.length <= 4);
  }

  async pruneAudit(policy: { olderThan: number; keepNewest: number }): Promise<number> {
    // As on SQLite, both cuts go by id (a sequence, so the order rows were written in): the age cut
    // deletes below the first id young enough to keep, the count cut below MAX(id) - keepNewest.
    // Two statements: a row both would delete must not be counted twice.
    const byAge = await this.query(
      'DELETE FROM audit WHERE id < COALESCE((SELECT id FROM audit WHERE at >= $1 ORDER BY id LIMIT 1), 9223372036854775807)',
      [policy.olderThan]);
    const byCount = await this.query('DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - $1', [policy.keepNewest]);
    return (byAge.rowCount ?? 0) + (byCount.rowCount ?? 0);
  }

  async audit(filter: AuditFilter): Promise<StoredAudit[]> {
    const params: unknown[] = [];
    const conds: string[] = [];
    if (filter.serial !== undefined) { params.push(filter.serial); conds.push(`serial = $${params.length}`); }
    if (filter.user !== undefined) { params.push(filter.user); conds.push(`"user" = $${params.length}`); }
    if (filter.action !== undefined) { params.push(filter.action); conds.push(`action = $${params.length}`); }
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 10000));
    const sql = `SELECT * FROM audit${conds.length ? ' WHERE ' + conds.join(' AND ') : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (await this.query(sql, params)).rows.map(decodeAudit);
  }

  async auditPage(afterId: number, limit: number): Promise<StoredAudit[]> {
    return (await this.query('SELECT * FROM audit WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])).rows.map(decodeAudit);
  }

  async nextSequence(name: string): Promise<number> {
    const { rows } = await this.query<{ value: number }>(
      'INSERT INTO sequences (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value', [name]);
    return rows[0]!.value;
  }

  async sequences(): Promise<{ name: string; value: number }[]> {
    return (await this.query<{ name: string; value: number }>('SELECT name, value FROM sequences ORDER BY name COLLATE "C"')).rows;
  }

  async raiseSequence(name: string, value: number): Promise<void> {
    await this.query('INSERT INTO sequences (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = GREATEST(sequences.value, excluded.value)', [name, value]);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
  }

  async setMetaIfAbsent(key: string, value: string): Promise<string> {
    // Two statements on purpose: the SELECT takes a new snapshot, so it sees a row another process
    // committed while our INSERT waited on it.
    await this.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getMeta(key))!;
  }

  async metaEntries(): Promise<{ key: string; value: string }[]> {
    return (await this.query<{ key: string; value: string }>('SELECT key, value FROM meta ORDER BY key COLLATE "C"')).rows;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
