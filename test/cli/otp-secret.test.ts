/**
 * `hwtotp otp` keeps the secret out of the process list and out of its errors: `--secret-file FILE`
 * and `--secret -` (standard input) give the same codes as `--secret B32`, the secret never shows in
 * `ps` for them, and a bad secret is reported by position only, never by a character of it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'tools/bin/hwtotp.js');
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-otp-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hwtotp(...argv: string[]) {
  const r = await runMain({}, argv);
  return { code: r.code, out: r.outLines, err: r.errLines };
}

/** Runs the real bin with `input` on standard input. */
function bin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('hwtotp otp --secret-file', () => {
  it('reads the secret from a file, its final newline ignored', async () => {
    const f = join(dir, 'seed.txt');
    writeFileSync(f, RFC_SECRET + '\n', { mode: 0o600 });
    expect(await hwtotp('otp', '--secret-file', f, '--time', '59', '--digits', '8')).toEqual({ code: 0, out: ['94287082'], err: [] });
    const crlf = join(dir, 'seed-crlf.txt');
    writeFileSync(crlf, 'gezd gnbv gy3t qojq gezd gnbv gy3t qojq\r\n');
    expect((await hwtotp('otp', '--secret-file', crlf, '--time', '59', '--digits', '8')).out).toEqual(['94287082']);
  });

  it.each([
    ['a bad character', 'SECRETX1SECRETX1\n', '--secret-file: base32 has a bad character at position 7'],
    ['an empty file', '\n', '--secret-file is empty'],
  ])('refuses %s naming the position only', async (_what, content, reason) => {
    const f = join(dir, 'bad-' + reason.length + '.txt');
    writeFileSync(f, content);
    const r = await hwtotp('otp', '--secret-file', f);
    expect(r).toEqual({ code: 2, out: [], err: ['hwtotp otp: ' + reason + ' (usage: hwtotp otp --help)'] });
    expect(r.err[0]).not.toContain('X1');
  });

  it('refuses a missing file, a file too long for a secret, and both flags at once', async () => {
    expect((await hwtotp('otp', '--secret-file', join(dir, 'nope'))).err[0]).toMatch(/--secret-file ".*nope": cannot read: ENOENT/);
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'A'.repeat(5000));
    expect((await hwtotp('otp', '--secret-file', big)).err[0]).toContain('more than 4096 bytes');
    // /dev/zero never ends: the size limit must stop the read.
    expect((await hwtotp('otp', '--secret-file', '/dev/zero')).err[0]).toContain('more than 4096 bytes');
    expect((await hwtotp('otp', '--secret-file', big, '--secret', RFC_SECRET)).err[0]).toContain('give --secret or --secret-file, not both');
  });
});

describe('hwtotp otp --secret - (standard input)', () => {
  it('reads the secret from standard input through the real bin', async () => {
    expect(await bin(['otp', '--secret', '-', '--time', '59', '--digits', '8'], RFC_SECRET + '\n'))
      .toEqual({ code: 0, stdout: '94287082\n', stderr: '' });
  });

  it('names the position of a bad character, never the character', async () => {
    const r = await bin(['otp', '--secret', '-'], 'GEZDGNBV#EZDGNBV\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hwtotp otp: --secret -: base32 has a bad character at position 8 (usage: hwtotp otp --help)\n');
    expect(r.stderr).not.toContain('#');
  });

  it('keeps the secret out of the process list while the command runs', async () => {
    // Hold standard input open so the process is alive while we read its command line (what ps shows).
    const child = spawn(process.execPath, [BIN, 'otp', '--secret', '-', '--time', '59'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let cmdline = '';
    for (let i = 0; i < 100 && !cmdline.includes('otp'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    }
    child.stdin.end(RFC_SECRET + '\n');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(cmdline).toContain('otp --secret -');
    expect(cmdline).not.toContain(RFC_SECRET);
    // The check can fail: with the secret inline, ps shows it.
    const inline = spawn(process.execPath, [BIN, 'otp', '--secret', RFC_SECRET, '--time', '59'], { cwd: ROOT });
    const shown = readFileSync(`/proc/${inline.pid}/cmdline`, 'utf8');
    await new Promise((r) => inline.on('close', r));
    expect(shown).toContain(RFC_SECRET);
  });
});

describe('hwtotp otp --secret B32', () => {
  it('names the position of a bad character, never the character', async () => {
    const r = await run(process.execPath, [BIN, 'otp', '--secret', 'GEZDGNBVGY3TQOJ!'], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2, stderr: 'hwtotp otp: --secret: base32 has a bad character at position 15 (usage: hwtotp otp --help)\n' });
  });
});
