/**
 * Where the master key that seals seeds comes from, and how a wrong one is caught.
 *
 * Order: the `masterKey` option, then $HWTOTP_MASTER_KEY, then a key file (`<db>.key` by default).
 * A key is 32 bytes written as 64 hex digits or as base64 (44 characters with padding).
 * The key file is created (mode 0600, exclusive create so two processes agree) only for a registry
 * that has no key check yet; for an existing registry a missing key is an error, never a new key,
 * because a new key would make every stored seed unreadable.
 *
 * The registry stores a key check: a fixed label sealed under the key. Opening with another key
 * fails that check up front (MasterKeyMismatch) rather than producing wrong codes later.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { VerifierError } from './errors.ts';
import { seal, unseal } from './seal.ts';

/** Name of the environment variable holding the key. */
export const MASTER_KEY_ENV = 'HWTOTP_MASTER_KEY';
const CHECK_LABEL = Buffer.from('hwtotp-master-key-check-v1', 'utf8');
const CHECK_AAD = Buffer.from('hwtotp-key-check', 'utf8');

/**
 * Parses a key string: 64 hex digits, or standard/url-safe base64 of 32 bytes.
 * @throws ValidationError naming where the key came from (never the key itself).
 */
export function parseMasterKey(text: string, source: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new VerifierError('ValidationError',
    `the master key from ${source} must be 32 bytes written as 64 hex digits or base64, got ${s.length} characters`);
}

/** Where a key may come from, in order. */
export interface KeySources {
  masterKey?: Uint8Array | string;
  env: { [k: string]: string | undefined };
  /** The key file, or null when there is none (an in-memory registry). */
  keyFile: string | null;
  /** Whether the registry already has a key check (then a missing key must not be invented). */
  registryHasKey: boolean;
}

/** Returns the 32-byte master key, creating the key file for a new registry. */
export function resolveMasterKey(src: KeySources): Buffer {
  if (src.masterKey !== undefined) {
    if (typeof src.masterKey === 'string') return parseMasterKey(src.masterKey, 'the masterKey option');
    if (src.masterKey.length !== 32) {
      throw new VerifierError('ValidationError', `the masterKey option must be 32 bytes, got ${src.masterKey.length}`);
    }
    return Buffer.from(src.masterKey);
  }
  const env = src.env[MASTER_KEY_ENV];
  if (env !== undefined && env !== '') return parseMasterKey(env, '$' + MASTER_KEY_ENV);
  if (src.keyFile === null) {
    if (src.registryHasKey) throw missing('(in memory)');
    return randomBytes(32);
  }
  return readOrCreateKeyFile(src.keyFile, src.registryHasKey);
}

function missing(file: string): VerifierError {
  return new VerifierError('MasterKeyMissing',
    `the registry's seeds are sealed but no master key was found: set $${MASTER_KEY_ENV} or restore the key file ${file}`);
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new VerifierError('ValidationError',
      `key file ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${file}`);
  }
  return parseMasterKey(readFileSync(file, 'utf8'), 'key file ' + file);
}

function readOrCreateKeyFile(file: string, registryHasKey: boolean): Buffer {
  try {
    return readKeyFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (registryHasKey) throw missing(file);
  const key = randomBytes(32);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file);
    throw new VerifierError('ValidationError', `cannot create key file ${file}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, key.toString('hex') + '\n');
  } finally {
    closeSync(fd);
  }
  return key;
}

/** The key check stored in the registry for this key (hex). */
export function makeKeyCheck(key: Uint8Array): string {
  return seal(key, CHECK_LABEL, CHECK_AAD).toString('hex');
}

/** Throws MasterKeyMismatch unless the key opens the stored key check. */
export function verifyKeyCheck(key: Uint8Array, check: string, where: string): void {
  const opened = unseal(key, Buffer.from(check, 'hex'), CHECK_AAD);
  if (!opened || !opened.equals(CHECK_LABEL)) {
    throw new VerifierError('MasterKeyMismatch',
      `the master key does not match registry ${where}: its seeds were sealed with another key ` +
      `(check $${MASTER_KEY_ENV} or the key file)`);
  }
}
