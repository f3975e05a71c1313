/**
 * A command that only reads or changes existing tokens refuses a registry file that does not exist,
 * naming the path, and creates nothing (no database, no -wal, no key file): a mistyped --db is an
 * error, not a new empty registry. import and provision create one; a dry-run import checks against an empty registry and creates none.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_HEX, tempDir } from '../verifier/helpers.ts';
import { runMain } from '../helpers/cli.ts';

let dir: string, cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

async function hwtotp(env: NodeJS.ProcessEnv, ...argv: string[]) {
  return runMain(env, argv);
}

const READERS: [string, string[]][] = [
  ['list', []],
  ['check', ['--user', 'alice', '--code', '123456']],
  ['export', ['--format', 'csv']],
  ['resync', ['--user', 'alice', '--serial', 'HWTEST0001', '--code1', '123456', '--code2', '654321']],
  ['deactivate', ['--user', 'alice', '--serial', 'HWTEST0001']],
  ['enable', ['--user', 'alice', '--device-name', 'd', '--serial', 'HWTEST0001', '--code1', '123456', '--code2', '654321']],
  ['remove-pending', ['--serial', 'HWTEST0001']],
];

describe('a registry path that does not exist', () => {
  for (const [cmd, args] of READERS) {
    it(`${cmd} refuses it, naming the path, and creates nothing`, async () => {
      const db = join(dir, `typo-${cmd}.db`);
      for (const env of [{ HWTOTP_MASTER_KEY: KEY_HEX }, {}]) {
        const r = await hwtotp(env, cmd, '--db', db, ...args);
        expect(r.code, r.err).toBe(1);
        expect(r.err).toContain(`NoSuchEntity: registry ${db} does not exist`);
      }
      const viaEnv = await hwtotp({ HWTOTP_DB: db }, cmd, '--json', ...args);
      expect(viaEnv.code).toBe(1);
      expect(JSON.parse(viaEnv.out)).toMatchObject({ error: 'NoSuchEntity', message: expect.stringContaining(db) });
      expect(readdirSync(dir).filter((f) => f.startsWith(`typo-${cmd}`))).toEqual([]);
    });
  }

  it('import creates the registry; a dry-run import on a missing one checks the file and creates nothing', async () => {
    const csv = join(dir, 'seeds.csv');
    writeFileSync(csv, 'serial,secret,period,digits,manufacturer,model\nHWT-NEW-000001,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,6,,\n');
    const db = join(dir, 'new.db');
    const dry = await hwtotp({}, 'import', '--dry-run', '--db', db, csv);
    expect([dry.code, dry.err]).toEqual([0, '']);
    expect(dry.out).toMatch(/^dry run: 1 token\(s\) in .* can be imported; nothing was written$/);
    expect(readdirSync(dir).filter((f) => f.startsWith('new.db'))).toEqual([]);
    const real = await hwtotp({ HWTOTP_MASTER_KEY: KEY_HEX }, 'import', '--db', db, csv);
    expect(real.code, real.err).toBe(0);
    expect(existsSync(db)).toBe(true);
    const list = await hwtotp({ HWTOTP_MASTER_KEY: KEY_HEX }, 'list', '--db', db);
    expect(list.out).toContain('HWT-NEW-000001');
  });
});
