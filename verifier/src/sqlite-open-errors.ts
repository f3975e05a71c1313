/**
 * Why a SQLite registry could not be opened, said as the operator can act on it: a path that does
 * not exist (when the caller only reads), or no permission to write. A read-only
 * directory or file is "cannot write", with the path, never a corrupted registry: SQLite in WAL
 * mode must create `<db>-wal` and `<db>-shm` beside the file even to read it.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { VerifierError } from './errors.ts';

/** The refusal of a registry path that does not exist, when the caller did not ask to create one. */
export function noSuchRegistry(db: string): VerifierError {
  return new VerifierError('NoSuchEntity',
    `registry ${db} does not exist; check --db or $HWTOTP_DB (hwtotp import or provision creates a registry)`);
}

/** SQLite result codes that mean permissions, not damage (https://sqlite.org/rescode.html). */
const PERMISSION_CODES = /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/;

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A CannotWrite naming the path at fault when `e` is a permission failure on `file`, else undefined.
 * Decided by the file system, not by the message: a read-only directory, a read-only file, or a
 * read-only `-wal`/`-shm` beside it.
 */
export function cannotWrite(file: string, e: unknown): VerifierError | undefined {
  if (file === ':memory:') return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !PERMISSION_CODES.test(code)) return undefined;
  const abs = resolve(file);
  const dir = dirname(abs);
  const fix = 'give this user write access to it, or use a registry elsewhere (--db)';
  if (!existsSync(dir)) {
    return new VerifierError('CannotWrite', `cannot write registry ${file}: the directory ${dir} does not exist`);
  }
  for (const p of [abs, `${abs}-wal`, `${abs}-shm`]) {
    if (existsSync(p) && !writable(p)) return new VerifierError('CannotWrite', `cannot write registry ${file}: ${p} is read-only for this user; ${fix}`);
  }
  if (!writable(dir)) {
    return new VerifierError('CannotWrite', `cannot write registry ${file}: the directory ${dir} is read-only for this user ` +
      `(SQLite creates ${file}-wal and -shm beside the file); ${fix}`);
  }
  return undefined;
}
