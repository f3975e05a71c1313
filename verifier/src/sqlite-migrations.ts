/**
 * Versioned schema of the SQLite registry. Migration N takes the schema from version N-1 to N and
 * runs once, inside the same transaction that records it in `schema_migrations` (and in
 * PRAGMA user_version, so `sqlite3 file 'pragma user_version'` answers quickly).
 * Never edit a released migration: append a new one.
 */
import type Database from 'better-sqlite3';
import { repairNames } from './sqlite-repair-names.ts';

/** Migrations by version, from 1: SQL, or a function for a data repair SQL cannot express. */
export const MIGRATIONS: (string | ((db: Database.Database) => void))[] = [
  // v1: tokens, audit log, counters, metadata (the master-key check lives in meta).
  `
  CREATE TABLE tokens (
    serial TEXT PRIMARY KEY NOT NULL,
    sealed_secret BLOB NOT NULL,
    algorithm TEXT NOT NULL,
    digits INTEGER NOT NULL,
    period INTEGER NOT NULL,
    t0 INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    user TEXT,
    device_name TEXT,
    enable_date INTEGER,
    drift_steps INTEGER NOT NULL DEFAULT 0,
    candidate_drift_steps INTEGER,
    last_step INTEGER NOT NULL DEFAULT -1,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    lock_level INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL,
    kcv TEXT,
    manufacturer TEXT,
    model TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_used INTEGER,
    version INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX tokens_user ON tokens(user) WHERE user IS NOT NULL;
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    serial TEXT,
    user TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    detail TEXT
  );
  CREATE INDEX audit_serial ON audit(serial, id);
  CREATE INDEX audit_user ON audit(user, id);
  CREATE TABLE sequences (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
  CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
  `,
  // v2: names stored before they were checked as text become names every command can reach.
  repairNames,
  // v3: the clock-rate model (clock-model.ts encodeModel: a JSON array of six numbers) and the
  // pending first code of an auto-resync (NextCodeRequired).
  `
  ALTER TABLE tokens ADD COLUMN clock_model TEXT;
  ALTER TABLE tokens ADD COLUMN pending_step INTEGER;
  ALTER TABLE tokens ADD COLUMN pending_at INTEGER;
  `,
  // v4: find's index (find-index.ts): one row holding every seed in one sealed blob, and the epoch
  // every token delete bumps (clearing the blob), so an index built before a delete is never stored.
  `
  CREATE TABLE find_index (id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL, blob BLOB);
  INSERT INTO find_index (id, epoch, blob) VALUES (1, 0, NULL);
  `,
];

/**
 * Brings the schema up to date. Runs under BEGIN IMMEDIATE so two processes opening a new file
 * at once do not both create the tables.
 * @throws Error naming both versions when the file is newer than this code.
 */
export function migrate(db: Database.Database, file: string): number {
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`registry ${file} has schema version ${current}, newer than this hwtotp (${MIGRATIONS.length}); upgrade hwtotp`);
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v - 1]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
    return MIGRATIONS.length;
  });
  return run.immediate();
}
