/**
 * The registry subcommands (enable, check, resync, deactivate, list, remove-pending): in-process through main() with
 * a real SQLite file, and once through the real bin. Exit 0 success, 1 refused, 2 usage error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openVerifier } from '@hwtotp/verifier';
import { KEY_HEX, codeAt, tempDir, token } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

const A = token('HWT-CLI-00001');
const B = token('HWT-CLI-00002');
let dir: string, cleanup: () => void, db: string, env: NodeJS.ProcessEnv;

async function hwtotp(...argv: string[]) {
  return runMain(env, argv);
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'cli.db');
  env = { HWTOTP_DB: db, HWTOTP_MASTER_KEY: KEY_HEX };
  const v = await openVerifier({ db, env });
  await v.importTokens([A, B]);
  await v.close();
});
afterAll(() => cleanup());

describe('hwtotp enable/check/resync/deactivate/list', () => {
  it('runs the whole flow with the right exit codes', async () => {
    const now = Date.now();
    let r = await hwtotp('enable', '--user', 'alice', '--device-name', 'desk key', '--serial', A.serial,
      '--code1', codeAt(A, now, -1), '--code2', codeAt(A, now, 0));
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(new RegExp(`^enabled token ${A.serial} for alice on \\d{4}-`));

    r = await hwtotp('enable', '--json', '--user', 'bob', '--device-name', 'b', '--serial', B.serial,
      '--code1', codeAt(B, now, -1), '--code2', codeAt(B, now, 0));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ serial: B.serial });

    const c = codeAt(A, now, 1);
    r = await hwtotp('check', '--user', 'alice', '--code', c);
    expect([r.code, r.out]).toEqual([0, `accepted: token ${A.serial}`]);
    r = await hwtotp('check', '--user', 'alice', '--code', c);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^hwtotp check: InvalidAuthenticationCode: this code of token HWT-CLI-00001 was already used/);
    expect(r.err).not.toContain(c);
    r = await hwtotp('check', '--json', '--user', 'alice', '--code', c);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ error: 'InvalidAuthenticationCode', serial: A.serial });

    r = await hwtotp('resync', '--user', 'bob', '--serial', B.serial, '--code1', codeAt(B, now, 2), '--code2', codeAt(B, now, 3));
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(new RegExp(`^resynced token ${B.serial}: drift [34] steps$`))]);

    r = await hwtotp('list', '--json');
    expect(JSON.parse(r.out).map((t: { serial: string; user: string }) => [t.serial, t.user])).toEqual([[A.serial, 'alice'], [B.serial, 'bob']]);
    // The clock model: bob's token was just resynced 3 or 4 steps ahead; no rate from codes a minute apart.
    expect(JSON.parse(r.out)[1]).toMatchObject({ driftNowSteps: expect.any(Number), ratePpm: null });
    expect(Math.abs(JSON.parse(r.out)[1].driftNowSteps - 3.5)).toBeLessThan(1);
    r = await hwtotp('list', '--user', 'alice');
    expect(r.out.split('\n')).toHaveLength(2);
    expect(r.out).toMatch(/^SERIAL\s+STATE\s+USER\s+DEVICE\s+ENABLED\s+LAST USED\s+DRIFT NOW\s+RATE\s+LOCKED UNTIL$/m);
    expect(r.out).toMatch(/HWT-CLI-00001\s+assigned\s+alice\s+desk key/);

    r = await hwtotp('deactivate', '--user', 'bob', '--serial', B.serial);
    expect([r.code, r.out]).toEqual([0, `deactivated token ${B.serial} of bob`]);
    r = await hwtotp('deactivate', '--user', 'bob', '--serial', B.serial);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NoSuchEntity: token HWT-CLI-00002 is not assigned to user bob/);
  });

  it('refusals exit 1 with the error name; bad command lines exit 2 with a one-line reason', async () => {
    let r = await hwtotp('check', '--user', 'alice', '--code', '12ab56');
    expect([r.code, r.err]).toEqual([1, 'hwtotp check: ValidationError: code must contain only the digits 0-9']);
    r = await hwtotp('check', '--user', 'nobody', '--code', '123456');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NoSuchEntity: user nobody has no MFA token/);
    r = await hwtotp('check', '--user', 'alice');
    expect(r.code).toBe(2);
    expect(r.err).toBe('hwtotp check: --code is required (usage: hwtotp check --help)');
    r = await hwtotp('enable', '--user', 'a', '--bogus', 'x');
    expect(r.code).toBe(2);
    r = await hwtotp('list', '--user', '');
    expect(r.code).toBe(2);
  });

  it('--db wins over $HWTOTP_DB, and a wrong master key exits 1 naming the problem', async () => {
    const other = join(dir, 'other.db');
    let r = await hwtotp('list', '--db', other);
    expect([r.code, r.err]).toEqual([1, `hwtotp list: NoSuchEntity: registry ${other} does not exist; check --db or $HWTOTP_DB (hwtotp import or provision creates a registry)`]);
    const saved = env;
    env = { ...env, HWTOTP_MASTER_KEY: 'ab'.repeat(32) };
    try {
      r = await hwtotp('list');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/MasterKeyMismatch: the master key does not match registry/);
    } finally { env = saved; }
  });

  it('remove-pending forgets an unfinished provisioning, and refuses any other token', async () => {
    const P = token('HWT-CLI-00009');
    const v = await openVerifier({ db, env });
    try {
      await v.addPending(P);
    } finally {
      await v.close();
    }
    let r = await hwtotp('remove-pending', '--serial', B.serial);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`ValidationError: .*${B.serial} is \\w+, not pending`));
    r = await hwtotp('remove-pending', '--serial', P.serial, '--json');
    expect([r.code, JSON.parse(r.out)]).toEqual([0, { serial: P.serial, removed: true }]);
    r = await hwtotp('remove-pending', '--serial', P.serial);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/NoSuchEntity/)]);
    r = await hwtotp('remove-pending');
    expect(r.code).toBe(2);
    const w = await openVerifier({ db, env });
    try {
      expect((await w.audit({ serial: P.serial, action: 'remove' })).map((a) => [a.outcome, a.reason])).toEqual([['ok', 'provisioning-failed']]);
      expect((await w.token(B.serial)).state).not.toBe('pending');
    } finally {
      await w.close();
    }
  });

  it('the real bin checks a code and exits 0, then 1 on the replay', async () => {
    const bin = fileURLToPath(new URL('../../tools/bin/hwtotp.js', import.meta.url));
    const code = codeAt(A, Date.now(), 2);
    const run = (extra: string[]) => promisify(execFile)(process.execPath, [bin, 'check', '--user', 'alice', '--code', code, '--json', ...extra],
      { env: { ...process.env, HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_DB: '' } });
    const ok = await run(['--db', db]);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, serial: A.serial });
    const e = await run(['--db', db]).then(() => null, (x) => x as { code: number; stdout: string });
    expect(e?.code).toBe(1);
    expect(JSON.parse(e!.stdout).error).toBe('InvalidAuthenticationCode');
  });
});
