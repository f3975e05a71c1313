/**
 * Names as text (issue 13): users, device names, manufacturers and models must be well-formed
 * Unicode without control characters, and are stored in NFC. A lone surrogate ("eve\ud800" in JSON)
 * used to be stored as bytes that are not UTF-8: sign-in matched them, but deactivate and resync
 * never found the row again. Now such a name is refused on every path (library, HTTP JSON, CLI),
 * and a registry written before the fix is repaired when opened (schema v2), so every row it holds
 * can be listed, resynced and deactivated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { MIGRATIONS } from '../../verifier/src/sqlite-migrations.ts';
import { buildServer } from '@hwtotp/verifier/http';
import { tokenToRecord, writePskc } from '@hwtotp/verifier/seedfiles';
import { KEY_HEX, codeAt, refusal, tempDir, token } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

const API_KEY = 'names-test-operator-key-0123456789';
let dir: string, cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

async function hwtotp(db: string, ...argv: string[]) {
  return runMain({ HWTOTP_DB: db, HWTOTP_MASTER_KEY: KEY_HEX }, argv);
}

/** Enables token t for user at the real clock (the CLI's clock). */
async function enableNow(v: Verifier, t: ReturnType<typeof token>, user: string, deviceName = 'desk key') {
  const now = Date.now();
  return v.enable(user, deviceName, t.serial, codeAt(t, now, -1), codeAt(t, now, 0));
}

const BAD_TEXT: [string, string][] = [
  ['a lone high surrogate', 'eve\ud800'],
  ['a lone low surrogate', '\udc00eve'],
  ['ESC (an ANSI sequence)', 'eve\u001b[2J'],
  ['NUL', 'eve\u0000'],
  ['DEL', 'eve\u007f'],
  ['C1 CSI', 'eve\u009b2J'],
  ['a line separator', 'eve\u2028admin'],
  ['a tab', 'eve\tadmin'],
];

describe('names are refused unless well-formed Unicode without control characters', () => {
  let v: Verifier;
  const T = token('HWT-NAMES-0001');
  beforeAll(async () => {
    v = await openVerifier({ db: join(dir, 'refuse.db'), env: {}, masterKey: KEY_HEX });
    await v.importTokens([T]);
  });
  afterAll(async () => v.close());

  it.each(BAD_TEXT)('refuses a user name holding %s on every call that takes one', async (_what, name) => {
    const now = Date.now();
    const calls: [string, () => Promise<unknown>][] = [
      ['enable', () => v.enable(name, 'desk key', T.serial, codeAt(T, now, -1), codeAt(T, now, 0))],
      ['check', () => v.check(name, codeAt(T, now))],
      ['resync', () => v.resync(name, T.serial, codeAt(T, now, 1), codeAt(T, now, 2))],
      ['deactivate', () => v.deactivate(name, T.serial)],
      ['list', () => v.list(name)],
      ['audit', () => v.audit({ user: name })],
    ];
    for (const [what, call] of calls) {
      const e = await refusal(call);
      expect({ what, name: e.name, message: e.message }).toEqual({ what, name: 'ValidationError', message: expect.stringMatching(/^user must (be well-formed Unicode|not contain control characters)/) });
      // The name itself is never echoed (its control characters would reach a terminal).
      expect(e.message).not.toContain(name);
    }
    expect((await v.token(T.serial)).state).toBe('unassigned');
  });

  it.each(BAD_TEXT)('refuses a device name, manufacturer or model holding %s', async (_what, name) => {
    const now = Date.now();
    const e = await refusal(() => v.enable('eve', name, T.serial, codeAt(T, now, -1), codeAt(T, now, 0)));
    expect([e.name, e.message]).toEqual(['ValidationError', expect.stringMatching(/^deviceName must/)]);
    for (const field of ['manufacturer', 'model'] as const) {
      const bad = await refusal(() => v.importTokens([token('HWT-NAMES-0009', { [field]: name })]));
      expect([bad.name, bad.message]).toEqual(['ValidationError', expect.stringMatching(new RegExp(`^token HWT-NAMES-0009: ${field} must`))]);
      // Provisioning takes the same path (addPending) and the same rule.
      const pending = await refusal(() => v.addPending(token('HWT-NAMES-0009', { [field]: name })));
      expect(pending.message).toMatch(new RegExp(`^token HWT-NAMES-0009: ${field} must`));
    }
    expect((await v.list()).map((t) => t.serial)).toEqual([T.serial]);
  });

  it('shows a control character in a quoted serial as <U+001B>, never raw', async () => {
    const e = await refusal(() => v.token('HW\u001b[2J0001'));
    expect([e.name, e.message]).toEqual(['ValidationError', 'serial must be 9 to 64 characters of A-Z a-z 0-9 + = / : , . @ -, got "HW<U+001B>[2J0001"']);
  });

  it('keeps names in NFC: one user however the name is spelled', async () => {
    const nfd = 'Zo\u0065\u0301', nfc = 'Zo\u00e9';
    const t = token('HWT-NAMES-0002', { manufacturer: 'Cafe\u0301 Tokens', model: 'Mk\u2160' });
    await v.importTokens([t]);
    await enableNow(v, t, nfd, 'cle\u0301');
    const info = await v.token(t.serial);
    expect([info.user, info.deviceName, info.manufacturer, info.model]).toEqual([nfc, 'cl\u00e9', 'Caf\u00e9 Tokens', 'Mk\u2160']);
    expect((await v.list(nfc)).map((r) => r.serial)).toEqual([t.serial]);
    expect((await v.list(nfd)).map((r) => r.serial)).toEqual([t.serial]);
    await v.deactivate(nfc.normalize('NFD'), t.serial);
    expect((await v.token(t.serial)).state).toBe('unassigned');
  });

  it('accepts any other well-formed name: letters of every script, emoji (surrogate pairs), U+FFFD', async () => {
    const t = token('HWT-NAMES-0003');
    await v.importTokens([t]);
    const name = '\u0645\u0631\u064a\u0645 \u674e \ud83d\udd11 \ufffd';
    await enableNow(v, t, name);
    expect((await v.list(name)).map((r) => r.user)).toEqual([name]);
    await v.deactivate(name, t.serial);
  });
});

describe('over HTTP JSON: "eve\\ud800" is refused with a 400, never stored', () => {
  it('refuses it in every body and query that takes a user', async () => {
    const db = join(dir, 'http-refuse.db');
    const v = await openVerifier({ db, env: {}, masterKey: KEY_HEX });
    const T = token('HWT-NAMES-0004');
    await v.importTokens([T]);
    const app = buildServer({ verifier: v, apiKey: API_KEY });
    const now = Date.now();
    // The JSON escape "\ud800" (a lone surrogate) written by hand, as a client would send it.
    const bodies: [string, string][] = [
      ['/api/mfa/enable', `{"user":"eve\\ud800","deviceName":"desk","serial":"${T.serial}","code1":"${codeAt(T, now, -1)}","code2":"${codeAt(T, now, 0)}"}`],
      ['/api/mfa/enable', `{"user":"eve","deviceName":"desk\\udfff","serial":"${T.serial}","code1":"${codeAt(T, now, -1)}","code2":"${codeAt(T, now, 0)}"}`],
      ['/api/mfa/check', `{"user":"eve\\ud800","code":"${codeAt(T, now)}"}`],
      ['/api/mfa/resync', `{"user":"eve\\ud800","serial":"${T.serial}","code1":"${codeAt(T, now, 1)}","code2":"${codeAt(T, now, 2)}"}`],
      ['/api/mfa/deactivate', `{"user":"eve\\ud800","serial":"${T.serial}"}`],
      ['/api/mfa/enable', `{"user":"eve\\u001b[31m","deviceName":"desk","serial":"${T.serial}","code1":"${codeAt(T, now, -1)}","code2":"${codeAt(T, now, 0)}"}`],
    ];
    try {
      for (const [url, payload] of bodies) {
        const r = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } });
        expect({ url, status: r.statusCode, body: r.json() }).toEqual({
          url, status: 400, body: { error: 'ValidationError', message: expect.stringMatching(/^(user|deviceName): must be well-formed Unicode without control characters$/) },
        });
      }
      // A query string cannot carry a lone surrogate (its bytes decode to U+FFFD, a valid name), but it can carry ESC.
      const q = await app.inject({ method: 'GET', url: '/api/mfa/devices?user=eve%1B%5B2J', headers: { authorization: `Bearer ${API_KEY}` } });
      expect([q.statusCode, q.json().error]).toEqual([400, 'ValidationError']);
      expect((await v.token(T.serial)).state).toBe('unassigned');
      expect((await v.audit({})).filter((a) => a.user !== null && a.user.startsWith('eve'))).toEqual([]);
    } finally {
      await app.close();
      await v.close();
    }
  });
});

/**
 * A registry as hwtotp wrote it before names were checked: schema v1, with names no check would pass
 * today. Built from a current registry's rows so the sealed seeds are real.
 */
async function legacyRegistry(name: string, tokens: ReturnType<typeof token>[]): Promise<string> {
  const src = join(dir, name + '-src.db');
  const v = await openVerifier({ db: src, env: {}, masterKey: KEY_HEX });
  await v.importTokens(tokens);
  for (const t of tokens) await enableNow(v, t, 'eve');
  await v.close();
  const db = join(dir, name + '.db');
  const raw = new Database(db);
  raw.exec(MIGRATIONS[0] as string);
  raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  raw.prepare('INSERT INTO schema_migrations VALUES (1, 0)').run();
  raw.pragma('user_version = 1');
  const cols = (raw.prepare('PRAGMA table_info(tokens)').all() as { name: string }[]).map((c) => c.name).join(',');
  raw.prepare('ATTACH ? AS src').run(src);
  raw.exec(`INSERT INTO tokens (${cols}) SELECT ${cols} FROM src.tokens; INSERT INTO meta SELECT * FROM src.meta;`);
  raw.exec('DETACH src');
  // What the old code stored for JSON "eve\ud800": better-sqlite3 writes the lone surrogate as ED A0 80.
  raw.prepare('UPDATE tokens SET user = ?').run('eve\ud800');
  raw.prepare('UPDATE tokens SET device_name = ?, manufacturer = ?, model = ? WHERE serial = ?')
    .run('desk\u001b[2J', 'Cafe\u0301\u001b[0m', 'M\u0085k', tokens[0]!.serial);
  expect((raw.prepare('SELECT DISTINCT hex(user) AS h FROM tokens').get() as { h: string }).h).toBe('657665EDA080');
  raw.close();
  return db;
}

describe('a registry holding "eve\\ud800" from before the fix', () => {
  const A = token('HWT-LEGACY-001');
  const B = token('HWT-LEGACY-002');
  const SHOWN = 'eve\ufffd\ufffd\ufffd';
  let db: string;
  beforeAll(async () => {
    db = await legacyRegistry('legacy', [A, B]);
  });

  it('is repaired when opened: every name becomes the text the listing shows, in NFC, without control characters', async () => {
    const v = await openVerifier({ db, env: {}, masterKey: KEY_HEX });
    try {
      const a = await v.token(A.serial);
      expect([a.user, a.deviceName, a.manufacturer, a.model]).toEqual([SHOWN, 'desk\ufffd[2J', 'Caf\u00e9\ufffd[0m', 'M\ufffdk']);
      expect((await v.token(B.serial)).user).toBe(SHOWN);
      expect((await v.list(SHOWN)).map((t) => t.serial)).toEqual([A.serial, B.serial]);
      // The ESC once stored in a manufacturer is gone, and an export of the repaired rows passes the schema.
      const file = join(dir, 'legacy-export.xml');
      writeFileSync(file, writePskc((await v.exportTokens()).map(tokenToRecord)));
      expect(execFileSync('pskctool', ['--validate', file], { encoding: 'utf8' }).trim()).toBe('OK');
    } finally {
      await v.close();
    }
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT DISTINCT hex(user) AS h FROM tokens').all()).toEqual([{ h: Buffer.from(SHOWN).toString('hex').toUpperCase() }]);
    raw.close();
  });

  it('can be listed, resynced and deactivated through the CLI', async () => {
    const list = await hwtotp(db, 'list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).filter((t: { user: string }) => t.user === SHOWN).map((t: { serial: string }) => t.serial)).toEqual([A.serial, B.serial]);
    const now = Date.now();
    const resync = await hwtotp(db, 'resync', '--user', SHOWN, '--serial', A.serial, '--code1', codeAt(A, now, 2), '--code2', codeAt(A, now, 3), '--json');
    expect([resync.code, resync.err]).toEqual([0, '']);
    const off = await hwtotp(db, 'deactivate', '--user', SHOWN, '--serial', A.serial, '--json');
    expect([off.code, off.err]).toEqual([0, '']);
    expect(JSON.parse((await hwtotp(db, 'list', '--json')).out).find((t: { serial: string }) => t.serial === A.serial).state).toBe('unassigned');
  });

  it('can be listed, resynced and deactivated over HTTP JSON', async () => {
    const v = await openVerifier({ db, env: {}, masterKey: KEY_HEX });
    const app = buildServer({ verifier: v, apiKey: API_KEY });
    const auth = { authorization: `Bearer ${API_KEY}` };
    try {
      const devices = await app.inject({ method: 'GET', url: '/api/mfa/devices?user=' + encodeURIComponent(SHOWN), headers: auth });
      expect(devices.statusCode).toBe(200);
      expect(JSON.stringify(devices.json())).toContain(B.serial);
      const now = Date.now();
      const resync = await app.inject({ method: 'POST', url: '/api/mfa/resync', headers: auth,
        payload: { user: SHOWN, serial: B.serial, code1: codeAt(B, now, 2), code2: codeAt(B, now, 3) } });
      expect([resync.statusCode, resync.json().serial]).toEqual([200, B.serial]);
      const off = await app.inject({ method: 'POST', url: '/api/mfa/deactivate', headers: auth, payload: { user: SHOWN, serial: B.serial } });
      expect([off.statusCode, off.json()]).toEqual([200, { serial: B.serial, user: SHOWN, deactivated: true }]);
      expect((await v.token(B.serial)).state).toBe('unassigned');
    } finally {
      await app.close();
      await v.close();
    }
  });
});
