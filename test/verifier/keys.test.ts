/** Sealing at rest: master key sources, the key file, a wrong or missing key, corrupted and swapped rows, migrations. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openVerifier } from '@hwtotp/verifier';
import { MIGRATIONS } from '../../verifier/src/sqlite-migrations.ts';
import { KEY_HEX, T0_MS, codeAt, refusal, tempDir, token } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const A = token('HWT-KEYS-0001');
const now = () => T0_MS;

describe('master key', () => {
  it('creates <db>.key with mode 0600 on first use and reuses it', async () => {
    const db = join(dir, 'r.db');
    const v = await openVerifier({ db, env: {}, now });
    await v.importTokens([A]);
    await v.close();
    expect(statSync(db + '.key').mode & 0o777).toBe(0o600);
    expect(readFileSync(db + '.key', 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await openVerifier({ db, env: {}, now });
    await again.enable('alice', 'k', A.serial, codeAt(A, T0_MS, -1), codeAt(A, T0_MS, 0));
    await again.close();
  });

  it('takes $HWTOTP_MASTER_KEY as hex or base64 (same key), and then writes no key file', async () => {
    const db = join(dir, 'env.db');
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now });
    await v.importTokens([A]);
    await v.close();
    expect(existsSync(db + '.key')).toBe(false);
    const b64 = Buffer.from(KEY_HEX, 'hex').toString('base64');
    const w = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: b64 }, now });
    await w.enable('alice', 'k', A.serial, codeAt(A, T0_MS, -1), codeAt(A, T0_MS, 0));
    await w.close();
  });

  it('a malformed key is a ValidationError that does not echo the key', async () => {
    const e = await refusal(() => openVerifier({ db: join(dir, 'm.db'), env: { HWTOTP_MASTER_KEY: 'deadbeef' }, now }));
    expect(e.name).toBe('ValidationError');
    expect(e.message).toMatch(/\$HWTOTP_MASTER_KEY must be 32 bytes written as 64 hex digits or base64, got 8 characters/);
    expect(e.message).not.toContain('deadbeef');
  });

  it('a wrong key is MasterKeyMismatch at open, before any code is computed', async () => {
    const db = join(dir, 'w.db');
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now });
    await v.importTokens([A]);
    await v.close();
    const e = await refusal(() => openVerifier({ db, env: { HWTOTP_MASTER_KEY: 'ff'.repeat(32) }, now }));
    expect([e.name, e.httpStatus]).toEqual(['MasterKeyMismatch', 500]);
    expect(e.message).toContain(db);
  });

  it('an existing registry without its key is MasterKeyMissing, and no new key is invented', async () => {
    const db = join(dir, 'x.db');
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now });
    await v.close();
    const e = await refusal(() => openVerifier({ db, env: {}, now }));
    expect(e.name).toBe('MasterKeyMissing');
    expect(e.message).toContain(db + '.key');
    expect(existsSync(db + '.key')).toBe(false);
  });

  it('refuses a key file others can read', async () => {
    const db = join(dir, 'p.db');
    await (await openVerifier({ db, env: {}, now })).close();
    chmodSync(db + '.key', 0o644);
    const e = await refusal(() => openVerifier({ db, env: {}, now }));
    expect(e.message).toMatch(/readable by others \(mode 644\); run chmod 600/);
  });
});

describe('damaged rows', () => {
  async function registry(): Promise<string> {
    const db = join(dir, 'c.db');
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now });
    await v.importTokens([A, token('HWT-KEYS-0002')]);
    await v.enable('alice', 'k', A.serial, codeAt(A, T0_MS, -1), codeAt(A, T0_MS, 0));
    await v.close();
    return db;
  }
  const open = (db: string) => openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now: () => T0_MS + 30_000 });

  it('a flipped bit in a sealed seed is CorruptRecord naming the serial, not a wrong code', async () => {
    const db = await registry();
    const raw = new Database(db);
    const blob = (raw.prepare('SELECT sealed_secret FROM tokens WHERE serial = ?').get(A.serial) as { sealed_secret: Buffer }).sealed_secret;
    blob[blob.length - 1]! ^= 1;
    raw.prepare('UPDATE tokens SET sealed_secret = ? WHERE serial = ?').run(blob, A.serial);
    raw.close();
    const v = await open(db);
    try {
      const e = await refusal(() => v.check('alice', codeAt(A, T0_MS + 30_000, 0)));
      expect([e.name, e.serial, e.httpStatus]).toEqual(['CorruptRecord', A.serial, 500]);
      expect(e.message).toMatch(new RegExp(`seed of token ${A.serial} does not decrypt`));
    } finally { await v.close(); }
  });

  it('seeds swapped between two rows are detected (the seal is bound to the serial)', async () => {
    const db = await registry();
    const raw = new Database(db);
    raw.exec("UPDATE tokens SET sealed_secret = (SELECT sealed_secret FROM tokens WHERE serial = 'HWT-KEYS-0002') WHERE serial = 'HWT-KEYS-0001'");
    raw.close();
    const v = await open(db);
    try {
      expect((await refusal(() => v.check('alice', codeAt(A, T0_MS + 30_000, 0)))).name).toBe('CorruptRecord');
      expect((await refusal(() => v.exportTokens([A.serial]))).name).toBe('CorruptRecord');
    } finally { await v.close(); }
  });

  it('an impossible field value is CorruptRecord naming the serial and the column', async () => {
    const db = await registry();
    const raw = new Database(db);
    raw.prepare("UPDATE tokens SET digits = 11 WHERE serial = 'HWT-KEYS-0001'").run();
    raw.close();
    const v = await open(db);
    try {
      const e = await refusal(() => v.token(A.serial));
      expect(e.name).toBe('CorruptRecord');
      expect(e.message).toMatch(/token HWT-KEYS-0001 is corrupted \(digits must be from 6 to 8, got 11\)/);
    } finally { await v.close(); }
  });
});

describe('schema migrations', () => {
  it('records every version in schema_migrations and user_version, and refuses a newer file', async () => {
    const db = join(dir, 's.db');
    await (await openVerifier({ db, env: {}, now })).close();
    const raw = new Database(db);
    const n = MIGRATIONS.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map((_m, i) => ({ version: i + 1 })));
    expect(raw.pragma('user_version', { simple: true })).toBe(n);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(n + 1);
    raw.close();
    await expect(openVerifier({ db, env: {}, now })).rejects.toThrow(`schema version ${n + 1}, newer than this hwtotp (${n})`);
  });
});
