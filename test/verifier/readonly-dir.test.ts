/**
 * A registry in a directory (or a file) this user cannot write is reported as "cannot write" with
 * the path, not as a corrupted registry. Runs the real CLI; as root (where permissions do not bind)
 * the CLI runs as the unprivileged uid 65534, so the test holds either way.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openVerifier } from '@hwtotp/verifier';
import { BIN } from '../serial/cli-helper.ts';
import { KEY_HEX, tempDir, token } from './helpers.ts';

let dir: string, cleanup: () => void, ro: string;
const asRoot = process.getuid?.() === 0;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  chmodSync(dir, 0o755);
  ro = join(dir, 'ro');
  mkdirSync(ro, { mode: 0o755 });
  const v = await openVerifier({ db: join(ro, 'a.db'), masterKey: KEY_HEX, env: {} });
  await v.importTokens([token('HWT-RO-000001')]);
  await v.close();
  chmodSync(join(ro, 'a.db'), 0o644);
  writeFileSync(join(dir, 'seeds.csv'), 'serial,secret,period,digits,manufacturer,model\nHWT-RO-000002,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,6,,\n', { mode: 0o644 });
  if (!asRoot) chmodSync(ro, 0o555);
});
afterAll(() => { chmodSync(ro, 0o755); cleanup(); });

async function hwtotp(...args: string[]): Promise<{ code: number; err: string }> {
  const env = { PATH: process.env.PATH, HOME: dir, HWTOTP_MASTER_KEY: KEY_HEX };
  try {
    await promisify(execFile)(process.execPath, [BIN, ...args], { env, cwd: dir, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    return { code: 0, err: '' };
  } catch (e) {
    const x = e as { code: number; stderr: string };
    return { code: x.code, err: x.stderr };
  }
}

it('an existing registry in a read-only place: CannotWrite naming the path, not CorruptRecord', async () => {
  const db = join(ro, 'a.db');
  const r = await hwtotp('list', '--db', db);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(new RegExp(`CannotWrite: cannot write registry ${db}: .*read-only`));
  expect(r.err).not.toContain('CorruptRecord');
}, 30_000);

it('a new registry in a read-only directory: CannotWrite naming the directory', async () => {
  const db = join(ro, 'new.db');
  const r = await hwtotp('import', '--db', db, join(dir, 'seeds.csv'));
  expect(r.code).toBe(1);
  expect(r.err).toContain(`CannotWrite: cannot write registry ${db}: the directory ${ro} is read-only`);
}, 30_000);
