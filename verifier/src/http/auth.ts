/**
 * The operator API key: where it comes from, and how a request proves it holds it.
 *
 * Source, in order: `$HWTOTP_API_KEY`; else the key file beside the database (`<db>-api.key`);
 * else a fresh 256-bit key is generated, written to that file with mode 0600 (created exclusively,
 * so two servers starting at once cannot both win) and printed once by the caller.
 * A PostgreSQL registry has no file beside it and is shared by several servers, which must all
 * accept the same key: there only `$HWTOTP_API_KEY` is accepted.
 * A request sends `Authorization: Bearer KEY`. We compare SHA-256 digests with
 * crypto.timingSafeEqual, so the time taken depends neither on where the first wrong byte is nor
 * on the length of the guess.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isPostgresUrl } from '../pg-store.ts';

/** Shortest key we accept from the environment or the key file. */
export const MIN_KEY_LENGTH = 16;

/** Where the key came from; `generated` means the caller must print it (this is its only showing). */
export interface ApiKey {
  key: string;
  source: 'env' | 'file' | 'generated';
  /** The key file, when source is `file` or `generated`. */
  file?: string;
}

/** The key file that belongs to a database path. */
export function keyFileFor(dbPath: string): string {
  return `${dbPath}-api.key`;
}

/**
 * Resolves the operator key for a database.
 * @throws Error naming the variable or file when a key is too short, or the file is readable by others
 */
export function resolveApiKey(dbPath: string, env: NodeJS.ProcessEnv = process.env): ApiKey {
  const fromEnv = env.HWTOTP_API_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    checkKey(fromEnv, 'HWTOTP_API_KEY');
    return { key: fromEnv, source: 'env' };
  }
  if (isPostgresUrl(dbPath)) {
    throw new Error('the registry is on PostgreSQL: set $HWTOTP_API_KEY (at least 16 characters), the same for every serve process');
  }
  const file = keyFileFor(dbPath);
  let st;
  try {
    st = statSync(file);
  } catch {
    const key = randomBytes(32).toString('base64url');
    try {
      writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
      return { key, source: 'generated', file };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      st = statSync(file); // another process created it first: use theirs
    }
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new Error(`API key file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
  }
  const key = readFileSync(file, 'utf8').trim();
  checkKey(key, file);
  return { key, source: 'file', file };
}

function checkKey(key: string, where: string): void {
  if (key.length < MIN_KEY_LENGTH) throw new Error(`${where}: the API key must be at least ${MIN_KEY_LENGTH} characters, got ${key.length}`);
  if (!/^[\x21-\x7e]+$/.test(key)) throw new Error(`${where}: the API key must be printable ASCII without spaces`);
}

/** Checks `Authorization` headers against one key, in constant time. */
export class KeyChecker {
  private readonly digest: Buffer;

  constructor(key: string) {
    this.digest = sha256(key);
  }

  /** True when the header is exactly `Bearer <the key>` (scheme case-insensitive, as RFC 6750 allows). */
  matches(header: string | undefined): boolean {
    if (typeof header !== 'string') return false;
    const m = /^Bearer +(\S+) *$/i.exec(header);
    // Hash even a malformed header, so refusing it costs the same as refusing a wrong key.
    const presented = sha256(m ? m[1]! : header);
    return timingSafeEqual(presented, this.digest) && m !== null;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
