/**
 * The real PAM stack: Debian's pam_radius_auth (libpam-radius-auth 2.0), driven by pamtester, signs
 * in against `hwtotp radius`, as sshd or sudo would. A valid code authenticates; the same code again
 * does not.
 *
 * PAM finds a service only as /etc/pam.d/NAME, so this test writes a uniquely named
 * /etc/pam.d/hwtotp-test-XXXX and removes it afterwards. That needs root, which the tests have here
 * and in CI. pam_radius_auth's own server list is given by the module's `conf=` option, a file in a
 * temporary folder, so /etc/pam_radius_auth.conf is left alone.
 *
 * pam_radius_auth 2.0 sends no Message-Authenticator, so its clients line needs
 * `require-message-authenticator=no`; without it the server drops the requests (tested too).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listenRadius, type RunningRadius } from '@hwtotp/verifier/radius';
import { clients, registry, type Registry } from './helpers.ts';

const SECRET = 'pam-shared-secret-0123';
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-pam-'));
const service = `hwtotp-test-${randomBytes(4).toString('hex')}`;
const strictService = `${service}-strict`;
let reg: Registry;
let lenient: RunningRadius;
let strict: RunningRadius;

/** A PAM service whose auth step is pam_radius_auth against the server on `port`. */
function writeService(name: string, port: number): void {
  const conf = join(dir, `${name}.conf`);
  // server[:port] secret [timeout]: one try of 1 s is enough on loopback.
  writeFileSync(conf, `127.0.0.1:${port} ${SECRET} 1\n`);
  chmodSync(conf, 0o600);
  writeFileSync(`/etc/pam.d/${name}`, `# written by hwtotp's test/radius/pam.test.ts; removed when it ends\n` +
    `auth required pam_radius_auth.so conf=${conf} retry=1\naccount required pam_permit.so\n`);
}

/** pamtester SERVICE USER authenticate, typing `code` at the prompt; true when PAM says success. */
function pamtester(name: string, user: string, code: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('pamtester', ['-v', name, user, 'authenticate'], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: stdout + stderr });
    });
    child.stdin!.end(code + '\n');
  });
}

beforeAll(async () => {
  reg = await registry(join(dir, 'r.db'), ['erin']);
  lenient = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'clients', `127.0.0.1 ${SECRET} require-message-authenticator=no\n`) });
  strict = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'strict', `127.0.0.1 ${SECRET}\n`) });
  writeService(service, lenient.port);
  writeService(strictService, strict.port);
});
afterAll(async () => {
  rmSync(`/etc/pam.d/${service}`, { force: true });
  rmSync(`/etc/pam.d/${strictService}`, { force: true });
  await lenient?.close();
  await strict?.close();
  await reg?.v.close();
  rmSync(dir, { recursive: true, force: true });
});

it('pam_radius_auth authenticates a valid code once; the same code again fails', async () => {
  reg.advance(30);
  const code = reg.code('erin');
  const first = await pamtester(service, 'erin', code);
  expect(first.ok, first.output).toBe(true);
  expect(first.output).toMatch(/successfully authenticated/);
  const again = await pamtester(service, 'erin', code);
  expect(again.ok, again.output).toBe(false);
  expect(lenient.stats).toMatchObject({ accepted: 1, rejected: 1 });
  expect((await reg.v.audit({ user: 'erin', action: 'check', limit: 1 }))[0]).toMatchObject({ outcome: 'refused', reason: 'replay' });
});

it('a wrong code fails', async () => {
  const wrong = String((Number(reg.code('erin', 1)) + 3) % 1e6).padStart(6, '0');
  const r = await pamtester(service, 'erin', wrong);
  expect(r.ok, r.output).toBe(false);
  expect((await reg.v.audit({ user: 'erin', action: 'check', limit: 1 }))[0]).toMatchObject({ outcome: 'refused', reason: 'wrong-code' });
});

it('without require-message-authenticator=no, pam_radius_auth 2.0 is dropped: it sends no Message-Authenticator', async () => {
  reg.advance(30);
  const r = await pamtester(strictService, 'erin', reg.code('erin'));
  expect(r.ok, r.output).toBe(false);
  expect(strict.stats.dropped['no-message-authenticator']).toBeGreaterThanOrEqual(1);
  expect(strict.stats.accepted + strict.stats.rejected).toBe(0);
});
