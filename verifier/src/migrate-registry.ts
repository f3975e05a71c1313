/**
 * Moving a registry between stores (SQLite file ⇄ PostgreSQL, or any two): every token row exactly
 * as stored (sealed seed, drift, candidate drift, last step, failures, lock state and level,
 * version), the audit log in its order, the counters and the metadata with the master-key check.
 *
 * Seeds are copied sealed: the master key is not needed and never touched, and the destination
 * opens with the same key as the source. The destination must be empty (no token, no audit row);
 * the source is only read. Rows are written in chunks, so a copy cut short leaves a partial
 * destination: empty it (or use a new one) and run the copy again.
 */
import { existsSync } from 'node:fs';
import { VerifierError } from './errors.ts';
import { isPostgresUrl, redactUrl } from './pg-store.ts';
import { isDamaged, type TokenRow, type TokenStore } from './store.ts';
import { openStore } from './verifier.ts';
import type { VerifierOptions } from './types.ts';

/** What a migration copied. */
export interface MigrateResult { tokens: number; audit: number; sequences: number; meta: number }

const CHUNK = 5000;

/** Copies everything from one open store into another, empty one. */
export async function copyRegistry(from: TokenStore, to: TokenStore, where: { from: string; to: string }): Promise<MigrateResult> {
  if ((await to.listTokens()).length > 0 || (await to.auditPage(0, 1)).length > 0) {
    throw new VerifierError('EntityAlreadyExists', `the destination registry ${where.to} is not empty; migrate only into a new, empty registry`);
  }
  // A damaged row cannot be copied as stored (its columns do not decode): refuse before writing.
  const listed = await from.listTokens();
  const damaged = listed.filter(isDamaged);
  if (damaged.length > 0) {
    throw new VerifierError('CorruptRecord', `the source registry ${where.from} has ${damaged.length} damaged row(s), first ${damaged[0]!.serial}: ` +
      `${damaged[0]!.damaged}; restore or remove them, then migrate`, { serial: damaged[0]!.serial });
  }
  const tokens = listed as TokenRow[];
  const meta = await from.metaEntries();
  for (const { key, value } of meta) {
    const stored = await to.setMetaIfAbsent(key, value);
    if (stored !== value) {
      throw new VerifierError('MasterKeyMismatch',
        `the destination registry ${where.to} already holds "${key}" from another registry (opened with another master key?); use a new, empty one`);
    }
  }
  for (let i = 0; i < tokens.length; i += CHUNK) await to.insertTokens(tokens.slice(i, i + CHUNK), []);
  let audit = 0;
  for (let after = 0; ;) {
    const page = await from.auditPage(after, CHUNK);
    if (page.length === 0) break;
    await to.appendAudit(page.map(({ id: _id, ...entry }) => entry));
    audit += page.length;
    after = page[page.length - 1]!.id;
  }
  const sequences = await from.sequences();
  for (const s of sequences) await to.raiseSequence(s.name, s.value);
  return { tokens: tokens.length, audit, sequences: sequences.length, meta: meta.length };
}

/** Opens both registries (a file path or a postgres:// URL each), copies, closes both. */
export async function migrateRegistry(from: string, to: string, options: Pick<VerifierOptions, 'env'> = {}): Promise<MigrateResult> {
  if (from === to) throw new VerifierError('ValidationError', '--from and --to name the same registry');
  if (from === ':memory:' || to === ':memory:') throw new VerifierError('ValidationError', 'an in-memory registry cannot be migrated');
  const where = { from: isPostgresUrl(from) ? redactUrl(from) : from, to: isPostgresUrl(to) ? redactUrl(to) : to };
  if (!isPostgresUrl(from) && !existsSync(from)) throw new VerifierError('NoSuchEntity', `the source registry ${from} does not exist`);
  const source = await openStore(from, options);
  try {
    if ((await source.metaEntries()).length === 0) {
      throw new VerifierError('NoSuchEntity', `the source registry ${where.from} was never opened by hwtotp (it has no master-key check)`);
    }
    const dest = await openStore(to, options);
    try {
      return await copyRegistry(source, dest, where);
    } finally {
      await dest.close();
    }
  } finally {
    await source.close();
  }
}
