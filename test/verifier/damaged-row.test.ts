/**
 * One damaged row (an unknown `state`, as a bad migration or a hand edit leaves it) on a real SQLite
 * file: every listing still works and shows the row as damaged with its serial, a whole-registry
 * export refuses naming it, and everything else (other users' checks, a named export) stays usable,
 * through the library, the CLI and HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { buildServer } from '@hwtotp/verifier/http';
import { KEY_HEX, codeAt, tempDir, token } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

const A = token('HWT-DMG-00001');
const B = token('HWT-DMG-00002');
const C = token('HWT-DMG-00003');
let dir: string, cleanup: () => void, db: string, env: NodeJS.ProcessEnv, v: Verifier;

async function hwtotp(...argv: string[]) {
  return runMain(env, argv);
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'd.db');
  env = { HWTOTP_DB: db, HWTOTP_MASTER_KEY: KEY_HEX };
  v = await openVerifier({ db, env });
  await v.importTokens([A, B, C]);
  const now = Date.now();
  await v.enable('alice', 'desk', A.serial, codeAt(A, now, -1), codeAt(A, now, 0));
  const raw = new Database(db);
  raw.prepare("UPDATE tokens SET state = 'frozen' WHERE serial = ?").run(B.serial);
  raw.close();
});
afterAll(async () => { await v.close(); cleanup(); });

describe('a row with an unknown state', () => {
  it('is listed as damaged with its serial; the other rows are listed as they are', async () => {
    const rows = await v.list();
    expect(rows.map((r) => [r.serial, r.state])).toEqual([[A.serial, 'assigned'], [B.serial, 'damaged'], [C.serial, 'unassigned']]);
    expect(rows[1]!.damaged).toMatch(new RegExp(`token ${B.serial} is corrupted \\(unknown state\\)`));
  });

  it('a whole-registry export refuses, naming the row; a named export of the others works', async () => {
    await expect(v.exportTokens()).rejects.toMatchObject({ name: 'CorruptRecord', serial: B.serial, message: expect.stringContaining(B.serial) });
    expect((await v.exportTokens([C.serial])).map((t) => t.serial)).toEqual([C.serial]);
  });

  it('other users sign in as before', async () => {
    const now = Date.now();
    await expect(v.check('alice', codeAt(A, now, 1))).resolves.toMatchObject({ serial: A.serial });
  });

  it('CLI: list prints every row, the damaged one marked, with a warning naming it; export exits 1 naming it', async () => {
    const list = await hwtotp('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${B.serial}\\s+damaged`));
    expect(list.out).toContain(C.serial);
    expect(list.err).toContain(B.serial);
    const json = await hwtotp('list', '--json');
    expect(JSON.parse(json.out)).toContainEqual(expect.objectContaining({ serial: B.serial, state: 'damaged' }));
    const exp = await hwtotp('export', '--format', 'csv');
    expect(exp.code).toBe(1);
    expect(exp.out).toBe('');
    const expJson = await hwtotp('export', '--format', 'csv', '--json');
    expect(JSON.parse(expJson.out)).toMatchObject({ error: 'CorruptRecord', serial: B.serial });
  });

  it('HTTP: GET /api/mfa/devices answers 200 with the damaged row', async () => {
    const app = buildServer({ verifier: v, apiKey: 'k'.repeat(32) });
    try {
      const r = await app.inject({ method: 'GET', url: '/api/mfa/devices', headers: { authorization: `Bearer ${'k'.repeat(32)}` } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toContainEqual(expect.objectContaining({ serial: B.serial, state: 'damaged', damaged: expect.stringContaining('unknown state') }));
    } finally {
      await app.close();
    }
  });

  it('a serial that is not a valid serial is shown quoted, so it cannot carry terminal escapes', async () => {
    const raw = new Database(db);
    raw.prepare("UPDATE tokens SET serial = ? WHERE serial = ?").run('EVIL\x1b[2J', C.serial);
    raw.close();
    const rows = await v.list();
    expect(rows.map((r) => r.serial)).toContain(JSON.stringify('EVIL\x1b[2J'));
    const raw2 = new Database(db);
    raw2.prepare("UPDATE tokens SET serial = ? WHERE serial = ?").run(C.serial, 'EVIL\x1b[2J');
    raw2.close();
  });
});
