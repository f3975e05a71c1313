/**
 * The registry commands on a PostgreSQL registry (`--db postgres://...` or $HWTOTP_DB): import,
 * export, enable, check, resync, deactivate, list and provision (serve is in
 * test/web/serve-postgres.test.ts); `hwtotp migrate` from SQLite to PostgreSQL and back carrying
 * everything; no seed in clear in a pg_dump; and the clear refusals of a PostgreSQL registry.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode, toHex } from '@hwtotp/protocol/host';
import { postgresBinDir } from '../../tools/src/db/throwaway-postgres.ts';
import { SqliteStore, PgStore, PG_MIGRATIONS, isDamaged, openVerifier, type TokenStore } from '@hwtotp/verifier';
import { KEY_HEX, codeAt, refusal, seed, tempDir, token, wrongCode } from './helpers.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { startFakeToken } from '../serial/fake-token.ts';
import { cli } from '../serial/cli-helper.ts';
import { runMain } from '../helpers/cli.ts';

type Schema = Awaited<ReturnType<typeof freshSchema>>;
let dir: string, cleanup: () => void;
const schemas: Schema[] = [];
async function schema(): Promise<Schema> {
  const s = await freshSchema();
  schemas.push(s);
  return s;
}
beforeAll(() => { ({ dir, cleanup } = tempDir()); });
afterAll(async () => {
  for (const s of schemas) await s.drop();
  cleanup();
});

async function hwtotp(env: NodeJS.ProcessEnv, ...argv: string[]) {
  return runMain(env, argv);
}

describe('the registry commands on PostgreSQL', () => {
  it('import, list, enable, check, resync, deactivate, export and provision work on a postgres:// registry', async () => {
    const s = await schema();
    const env = { HWTOTP_DB: s.url, HWTOTP_MASTER_KEY: KEY_HEX };
    const A = { serial: 'HWPG00001', secret: new Uint8Array(20).fill(7) };
    const csv = join(dir, 'one.csv');
    writeFileSync(csv, `serial,secret\n${A.serial},${base32Encode(A.secret)}\n`);
    let r = await hwtotp(env, 'import', csv);
    expect([r.code, r.err]).toEqual([0, '']);
    r = await hwtotp({ HWTOTP_MASTER_KEY: KEY_HEX }, 'list', '--json', '--db', s.url);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ serial: A.serial, state: 'unassigned' })]);
    const now = Date.now();
    r = await hwtotp(env, 'enable', '--user', 'ann', '--device-name', 'desk', '--serial', A.serial,
      '--code1', codeAt(A, now, -1), '--code2', codeAt(A, now, 0));
    expect([r.code, r.err]).toEqual([0, '']);
    r = await hwtotp(env, 'check', '--user', 'ann', '--code', codeAt(A, now, 1));
    expect([r.code, r.out]).toEqual([0, `accepted: token ${A.serial}`]);
    r = await hwtotp(env, 'check', '--user', 'ann', '--code', codeAt(A, now, 1));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/InvalidAuthenticationCode: this code .* was already used/)]);
    r = await hwtotp(env, 'resync', '--user', 'ann', '--serial', A.serial, '--code1', codeAt(A, now, 3), '--code2', codeAt(A, now, 4));
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^resynced token HWPG00001: drift [34] steps$/)]);
    r = await hwtotp(env, 'export', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${A.serial},${base32Encode(A.secret)}`);
    r = await hwtotp(env, 'deactivate', '--user', 'ann', '--serial', A.serial);
    expect(r.code).toBe(0);
    expect(JSON.parse((await hwtotp(env, 'list', '--json')).out)[0]).toMatchObject({ serial: A.serial, state: 'unassigned', user: null });

    // provision through the real binary and a scripted token on a real pty.
    const fake = await startFakeToken();
    try {
      const run = await cli(['provision', '--port', fake.port, '--db', s.url, '--json'], { HWTOTP_MASTER_KEY: KEY_HEX });
      expect(run.code, run.stderr).toBe(0);
      const serial = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { serial: string }).serial;
      expect(JSON.parse((await hwtotp(env, 'list', '--json')).out).map((t: { serial: string; state: string }) => [t.serial, t.state]))
        .toContainEqual([serial, 'unassigned']);
    } finally { await fake.stop(); }
  }, 60_000);

  it('refuses clearly: no master key, a wrong one, an unreachable server (never showing the password)', async () => {
    const s = await schema();
    let r = await hwtotp({ HWTOTP_DB: s.url }, 'list');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/MasterKeyMissing: registry postgres:\/\/.* is on PostgreSQL: give every process the same master key in \$HWTOTP_MASTER_KEY or with --key-file/)]);
    expect((await hwtotp({ HWTOTP_DB: s.url, HWTOTP_MASTER_KEY: KEY_HEX }, 'list')).code).toBe(0);
    r = await hwtotp({ HWTOTP_DB: s.url, HWTOTP_MASTER_KEY: 'ff'.repeat(32) }, 'list');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/MasterKeyMismatch/)]);
    // Port 1 of loopback: nothing listens there.
    r = await hwtotp({ HWTOTP_DB: 'postgres://hwtotp:s3cret-pw@127.0.0.1:1/none', HWTOTP_MASTER_KEY: KEY_HEX }, 'list');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/StoreUnavailable: the registry database postgres:\/\/hwtotp:\*\*\*@127\.0\.0\.1:1\/none cannot be reached \(ECONNREFUSED\)/)]);
    expect(r.err).not.toContain('s3cret-pw');
    expect((await refusal(() => openVerifier({ db: s.url, masterKey: KEY_HEX, poolSize: 0 }))).message).toBe('poolSize must be an integer from 1 to 1000, got 0');
    r = await hwtotp({ HWTOTP_DB: s.url, HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_PG_POOL_SIZE: 'many' }, 'list');
    expect([r.code, r.err]).toEqual([1, 'hwtotp list: ValidationError: HWTOTP_PG_POOL_SIZE must be an integer from 1 to 1000, got "many"']);
    r = await hwtotp({ HWTOTP_DB: 'postgres://u:pw@host:notaport/db', HWTOTP_MASTER_KEY: KEY_HEX }, 'list');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/ValidationError: the registry URL is not a valid postgres:\/\/ URL/)]);
    r = await hwtotp({ HWTOTP_DB: s.url.replace('/hwtotp?', '/no_such_db?'), HWTOTP_MASTER_KEY: KEY_HEX }, 'list');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/ValidationError: cannot use registry .*\/no_such_db.*: database "no_such_db" does not exist/)]);
  });

  it('refuses a registry whose schema is newer than this code, naming both versions', async () => {
    const s = await schema();
    await (await openVerifier({ db: s.url, masterKey: KEY_HEX })).close();
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: s.url });
    await c.connect();
    await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)');
    await c.end();
    const e = await refusal(() => openVerifier({ db: s.url, masterKey: KEY_HEX }));
    expect([e.name, e.message]).toEqual(['CorruptRecord', expect.stringContaining(`has schema version 99, newer than this hwtotp (${PG_MIGRATIONS.length}); upgrade hwtotp`)]);
  });
});

describe('hwtotp migrate', () => {
  /** Every row of a store, the audit log without ids, the counters and the metadata. */
  async function snapshot(store: TokenStore) {
    return {
      tokens: (await store.listTokens()).map((t) => {
        if (isDamaged(t)) throw new Error(`damaged row ${t.serial}: ${t.damaged}`);
        return { ...t, sealedSecret: toHex(t.sealedSecret) };
      }),
      audit: (await store.auditPage(0, 10_000)).map(({ id: _id, ...a }) => a),
      sequences: await store.sequences(),
      meta: await store.metaEntries(),
    };
  }

  it('SQLite → PostgreSQL → SQLite carries drift, last step, lock state, counters and the audit log', async () => {
    const file = join(dir, 'from.db');
    const A = token('HWT-MIG-0001');
    const B = token('HWT-MIG-0002');
    const C = token('HWT-MIG-0003');
    let now = Date.now() - 600_000;
    const v = await openVerifier({ db: file, masterKey: KEY_HEX, now: () => now, lockSeconds: 3600 });
    await v.importTokens([A, B, C]);
    await v.enable('ann', 'a', A.serial, codeAt(A, now, 1), codeAt(A, now, 2)); // drift 2
    await v.enable('bob', 'b', B.serial, codeAt(B, now, -1), codeAt(B, now, 0));
    for (let i = 0; i < 5; i++) await refusal(() => v.check('bob', wrongCode(B, now))); // locked for an hour
    await v.nextSerial('HWT');
    await v.nextSerial('HWT');
    now += 60_000;
    await v.check('ann', codeAt(A, now, 2));
    await v.close();

    const pgTarget = await schema();
    const sqliteBack = join(dir, 'back.db');
    let r = await hwtotp({}, 'migrate', '--from', file, '--to', pgTarget.url, '--json');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(JSON.parse(r.out)).toMatchObject({ tokens: 3, sequences: 1 });
    r = await hwtotp({}, 'migrate', '--from', pgTarget.url, '--to', sqliteBack);
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^copied 3 tokens, \d+ audit rows, 1 counters/)]);

    const stores = [new SqliteStore(file), await PgStore.open(pgTarget.url, { poolSize: 2 }), new SqliteStore(sqliteBack)];
    try {
      const [a, b, c] = await Promise.all(stores.map(snapshot));
      expect(a!.tokens.find((t) => t.serial === B.serial)!.lockedUntil).toBeGreaterThan(Date.now());
      expect(a!.tokens.find((t) => t.serial === A.serial)!.driftSteps).toBe(2);
      expect(a!.audit.length).toBeGreaterThan(8);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      for (const st of stores) await st.close();
    }
    // The copy works as the original did: same key, last step kept (a replay stays refused), lock kept.
    const w = await openVerifier({ db: pgTarget.url, masterKey: KEY_HEX, now: () => now });
    try {
      expect((await refusal(() => w.check('ann', codeAt(A, now, 2)))).reason).toBe('replay');
      expect((await refusal(() => w.check('bob', codeAt(B, now, 0)))).name).toBe('EntityTemporarilyUnmodifiable');
      expect(await w.nextSerial('HWT')).toBe(3);
    } finally { await w.close(); }

    // Only into an empty registry; a missing source is named.
    r = await hwtotp({}, 'migrate', '--from', file, '--to', pgTarget.url);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/EntityAlreadyExists: the destination registry .* is not empty/)]);
    r = await hwtotp({}, 'migrate', '--from', join(dir, 'nope.db'), '--to', (await schema()).url);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/NoSuchEntity: the source registry .*nope\.db does not exist/)]);
    expect((await hwtotp({}, 'migrate', '--from', file)).code).toBe(2);
  }, 60_000);
});

describe('seeds at rest in PostgreSQL', () => {
  it('a pg_dump of the registry holds no seed in clear (hex, base32 or raw bytes)', async () => {
    const s = await schema();
    const tokens = Array.from({ length: 5 }, (_, i) => ({ serial: `HWT-DUMP-000${i}`, secret: seed(`dump-seed-${i}-xyz`, 32) }));
    const v = await openVerifier({ db: s.url, masterKey: KEY_HEX });
    await v.importTokens(tokens);
    await v.close();
    const dump = execFileSync(join(postgresBinDir(), 'pg_dump'), ['--dbname', s.url.replace(/\?.*$/, ''), '--schema', s.schema, '--data-only'], { maxBuffer: 64 << 20 });
    const text = dump.toString('latin1');
    expect(text).toContain('HWT-DUMP-0004'); // the dump has the rows
    for (const t of tokens) {
      const raw = Buffer.from(t.secret);
      expect(dump.includes(raw)).toBe(false);
      expect(text.toLowerCase()).not.toContain(raw.toString('hex'));
      expect(text).not.toContain(base32Encode(t.secret).replace(/=+$/, ''));
      expect(text).not.toContain(raw.toString('base64').replace(/=+$/, ''));
    }
  });
});
