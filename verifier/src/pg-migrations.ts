/**
 * Versioned schema of the PostgreSQL registry, the same tables and columns as the SQLite one
 * (sqlite-migrations.ts) so rows move between them unchanged. Migration N takes the schema from
 * version N-1 to N and runs once, in the transaction that records it in `schema_migrations`.
 * Adding a migration is appending one entry; never edit a released one.
 *
 * Times are ms since the epoch (BIGINT); `user` is a reserved word here, so it is always quoted.
 */
import type { PoolClient } from 'pg';

/** Migration SQL by version, from 1. */
export const PG_MIGRATIONS: string[] = [
  // v1: tokens, audit log, counters, metadata (the master-key check lives in meta).
  `
  CREATE TABLE tokens (
    serial TEXT PRIMARY KEY,
    sealed_secret BYTEA NOT NULL,
    algorithm TEXT NOT NULL,
    digits INTEGER NOT NULL,
    period INTEGER NOT NULL,
    t0 BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    "user" TEXT,
    device_name TEXT,
    enable_date BIGINT,
    drift_steps BIGINT NOT NULL DEFAULT 0,
    candidate_drift_steps BIGINT,
    last_step BIGINT NOT NULL DEFAULT -1,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    lock_level INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL,
    kcv TEXT,
    manufacturer TEXT,
    model TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used BIGINT,
    version BIGINT NOT NULL DEFAULT 1
  );
  CREATE INDEX tokens_user ON tokens("user") WHERE "user" IS NOT NULL;
  CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    serial TEXT,
    "user" TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    detail TEXT
  );
  CREATE INDEX audit_serial ON audit(serial, id);
  CREATE INDEX audit_user ON audit("user", id);
  CREATE TABLE sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // v2: on SQLite, the repair of names stored before the name rule (sqlite-repair-names.ts). A
  // PostgreSQL registry came after the rule and never held such a name, so it only keeps the
  // versions of the two lists in step.
  'SELECT 1',
  // v3: the clock-rate model (clock-model.ts encodeModel: a JSON array of six numbers) and the
  // pending first code of an auto-resync (NextCodeRequired), as on SQLite.
  `
  ALTER TABLE tokens ADD COLUMN clock_model TEXT;
  ALTER TABLE tokens ADD COLUMN pending_step BIGINT;
  ALTER TABLE tokens ADD COLUMN pending_at BIGINT;
  `,
  // v4: find's index (find-index.ts), as on SQLite.
  `
  CREATE TABLE find_index (id INTEGER PRIMARY KEY CHECK (id = 1), epoch BIGINT NOT NULL, blob BYTEA);
  INSERT INTO find_index (id, epoch, blob) VALUES (1, 0, NULL);
  `,
];

/** Any fixed number: the advisory lock every process takes while migrating. */
const MIGRATION_LOCK = 0x68777470;

/**
 * Brings the schema up to date inside one transaction holding an advisory lock, so several
 * processes starting at once against a new database do not both create the tables.
 * @throws Error naming both versions when the database is newer than this code.
 */
export async function migratePg(client: PoolClient, where: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > PG_MIGRATIONS.length) {
      throw new Error(`registry ${where} has schema version ${current}, newer than this hwtotp (${PG_MIGRATIONS.length}); upgrade hwtotp`);
    }
    for (let v = current + 1; v <= PG_MIGRATIONS.length; v++) {
      await client.query(PG_MIGRATIONS[v - 1]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v, Date.now()]);
    }
    await client.query('COMMIT');
    return PG_MIGRATIONS.length;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
