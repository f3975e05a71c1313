/**
 * `hwtotp serve` as a user runs it: a child process on a real port, a fresh registry, the key
 * printed once and stored 0600, the console reachable, and SIGINT stopping it cleanly with exit 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'hwtotp-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The text output is up once the URL and the key line (generated, or its file) are printed. */
const TEXT_READY = (out: string) => /on http:\/\/127\.0\.0\.1:\d+\//.test(out) && (/mode 0600\):\n {2}\S+\n/.test(out) || /Operator API key: in /.test(out));

/**
 * Runs `hwtotp serve` on a free port over `db`, sends one SIGINT once `ready(stdout)` holds (one
 * only: a second Ctrl-C finds the default handler back), and returns what it printed and its exit.
 */
function runServe(db: string, extra: string[] = [], ready = TEXT_READY): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HWTOTP_MASTER_KEY: 'ab'.repeat(32) };
    delete env.HWTOTP_API_KEY;
    const child = spawn(process.execPath, ['tools/bin/hwtotp.js', 'serve', '--port', '0', '--db', db, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let signalled = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}${err}`)); }, 20_000);
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      if (!signalled && ready(out)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); resolve({ out, err, code }); });
  });
}

it('starts on 127.0.0.1, prints a generated key once, stores it 0600, and stops on SIGINT', async () => {
  const db = join(dir, 'r.db');
  const first = await runServe(db);
  const out = first.out + first.err;
  expect(first.code, out).toBe(0);
  expect(/on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.out)?.[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const key = /mode 0600\):\n {2}(\S+)\n/.exec(first.out)?.[1];
  expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(statSync(`${db}-api.key`).mode & 0o777).toBe(0o600);
  expect(first.out).toContain('hwtotp serve: stopping');
  // A new registry is created, but said so (a mistyped --db is visible at once).
  expect(first.err).toContain(`hwtotp serve: created a new, empty registry ${db}`);
  const second = await runServe(db);
  expect(second.code, second.out + second.err).toBe(0);
  expect(second.err).not.toContain('created a new');
  expect(second.out).toContain(`Operator API key: in ${db}-api.key`);
  expect(second.out + second.err).not.toContain(key!);
}, 60_000);

it('--json: one listening line with the URL and the key on its one showing, then one stopping line', async () => {
  const db = join(dir, 'j.db');
  const run = async () => {
    const r = await runServe(db, ['--json'], (out) => /"event":"listening"/.test(out));
    expect(r.err).toBe('');
    return { lines: r.out.trim().split('\n').map((l) => JSON.parse(l) as unknown), code: r.code };
  };
  const first = await run();
  expect(first.code).toBe(0);
  expect(first.lines).toEqual([
    { event: 'created', db },
    { event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), keySource: 'generated', keyFile: `${db}-api.key`, key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    { event: 'stopping' },
  ]);
  const second = await run();
  expect(second.lines[0]).toEqual({ event: 'listening', url: expect.any(String), keySource: 'file', keyFile: `${db}-api.key` });
}, 60_000);
