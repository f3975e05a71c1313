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

function runServe(db: string): Promise<{ out: string; code: number | null; url: string; key?: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HWTOTP_MASTER_KEY: 'ab'.repeat(32) };
    delete env.HWTOTP_API_KEY;
    const child = spawn(process.execPath, ['tools/bin/hwtotp.js', 'serve', '--port', '0', '--db', db], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let url = '';
    let key: string | undefined;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}`)); }, 20_000);
    child.stderr.on('data', (d) => { out += d; });
    child.stdout.on('data', async (d) => {
      out += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      const ready = m && (/mode 0600\):\n {2}(\S+)\n/.test(out) || /Operator API key: in /.test(out));
      if (ready && !url) {
        url = m![1]!;
        key = /mode 0600\):\n {2}(\S+)\n/.exec(out)?.[1];
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); resolve({ out, code, url, key }); });
  });
}

it('starts on 127.0.0.1, prints a generated key once, stores it 0600, and stops on SIGINT', async () => {
  const db = join(dir, 'r.db');
  const first = await runServe(db);
  expect(first.code, first.out).toBe(0);
  expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(statSync(`${db}-api.key`).mode & 0o777).toBe(0o600);
  expect(first.out).toContain('hwtotp serve: stopping');
  const second = await runServe(db);
  expect(second.code, second.out).toBe(0);
  expect(second.out).toContain(`Operator API key: in ${db}-api.key`);
  expect(second.out).not.toContain(first.key!);
}, 60_000);

it('--json: one listening line with the URL and the key on its one showing, then one stopping line', async () => {
  const db = join(dir, 'j.db');
  const env: NodeJS.ProcessEnv = { ...process.env, HWTOTP_MASTER_KEY: 'ab'.repeat(32) };
  delete env.HWTOTP_API_KEY;
  const run = (): Promise<{ lines: unknown[]; code: number | null }> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['tools/bin/hwtotp.js', 'serve', '--port', '0', '--db', db, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let signalled = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}${err}`)); }, 20_000);
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      if (!signalled && /"event":"listening"/.test(out)) {
        signalled = true; // once: a second Ctrl-C would find the default handler back
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      expect(err).toBe('');
      resolve({ lines: out.trim().split('\n').map((l) => JSON.parse(l)), code });
    });
  });
  const first = await run();
  expect(first.code).toBe(0);
  expect(first.lines).toEqual([
    { event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), keySource: 'generated', keyFile: `${db}-api.key`, key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    { event: 'stopping' },
  ]);
  const second = await run();
  expect(second.lines[0]).toEqual({ event: 'listening', url: expect.any(String), keySource: 'file', keyFile: `${db}-api.key` });
}, 60_000);
