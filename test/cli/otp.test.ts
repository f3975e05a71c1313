/**
 * `hwtotp otp`: in-process through main(), and through the real bin as a user runs it. Codes must be
 * the RFC 6238 values and agree with oathtool; bad flags exit 2 with a reason naming the flag.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { base32Encode } from '@hwtotp/protocol/host';
import { RFC6238_CASES } from '../vectors/index.ts';
import { runMain } from '../helpers/cli.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** Runs the CLI in-process, capturing its lines. */
async function hwtotp(...argv: string[]) {
  const r = await runMain({}, argv);
  return { code: r.code, out: r.outLines, err: r.errLines };
}

async function oathtool(args: string[]): Promise<string> {
  return (await run('oathtool', args)).stdout.trim();
}

describe('hwtotp otp', () => {
  it('prints 94287082 for the RFC 6238 secret at 59 s with 8 digits', async () => {
    expect(await hwtotp('otp', '--secret', RFC_SECRET, '--time', '59', '--digits', '8')).toEqual({ code: 0, out: ['94287082'], err: [] });
  });

  it.each(RFC6238_CASES)('RFC 6238 $algorithm at $time: $code', async (c) => {
    const r = await hwtotp('otp', '--secret', base32Encode(c.key), '--algorithm', c.algorithm, '--time', String(c.time), '--digits', '8');
    expect(r).toEqual({ code: 0, out: [c.code], err: [] });
  });

  it('defaults to SHA1, 6 digits, 30 s and the current time, like oathtool --totp', async () => {
    const before = await oathtool(['--totp', '-b', RFC_SECRET]);
    const r = await hwtotp('otp', '--secret', RFC_SECRET);
    const after = await oathtool(['--totp', '-b', RFC_SECRET]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^[0-9]{6}$/);
    expect([before, after]).toContain(r.out[0]);
  });

  it('matches oathtool across algorithms, digits, periods and times', async () => {
    const secrets = ['JBSWY3DPEHPK3PXP', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZ'];
    const algs = ['SHA1', 'SHA256', 'SHA512'];
    for (let i = 0; i < 18; i++) {
      const secret = secrets[i % 3]!;
      const alg = algs[Math.floor(i / 3) % 3]!;
      const digits = 6 + (i % 3);
      const period = [30, 60, 1, 17, 86_401][i % 5]!;
      const time = 1_700_000_000 + i * 7919 + (i > 12 ? 2 ** 32 : 0);
      const r = await hwtotp('otp', '--secret', secret, '--algorithm', alg, '--digits', String(digits), '--period', String(period), '--time', String(time));
      const want = await oathtool(['--totp=' + alg, '-d', String(digits), '-s', period + 's', '-N', '@' + time, '-b', secret]);
      expect({ i, out: r.out }).toEqual({ i, out: [want] });
    }
  });

  it('accepts lower case, spaces, dashes, padding and algorithm spellings', async () => {
    for (const secret of ['gezdgnbvgy3tqojqgezdgnbvgy3tqojq', 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ', 'gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq']) {
      expect((await hwtotp('otp', '--secret', secret, '--time', '59', '--digits', '8')).out).toEqual(['94287082']);
    }
    expect((await hwtotp('otp', '--secret', 'MZXW6===', '--time', '59')).code).toBe(0);
    expect((await hwtotp('otp', '--secret', RFC_SECRET, '--time', '59', '--digits', '8', '--algorithm', 'sha-1')).out).toEqual(['94287082']);
  });

  it('--json prints the code and its step', async () => {
    const r = await hwtotp('otp', '--secret', RFC_SECRET, '--time', '1111111109', '--digits', '8', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toEqual({ code: '07081804', step: 37037036 });
  });

  it.each([
    [['--digits', '9'], '--digits must be from 6 to 8, got 9'],
    [['--digits', '5'], '--digits must be from 6 to 8, got 5'],
    [['--digits', 'six'], '--digits must be an integer, got "six"'],
    [['--period', '0'], '--period must be from 1'],
    [['--period', '1.5'], '--period must be an integer, got "1.5"'],
    [['--time=-1'], '--time must be from 0'],
    [['--time', '-1'], "Option '--time' argument is ambiguous"],
    [['--time', 'now'], '--time must be an integer, got "now"'],
    [['--algorithm', 'MD5'], '--algorithm: algorithm must be SHA1, SHA256 or SHA512, got "MD5"'],
    [['--secret', 'GEZD1NBV'], '--secret: base32 has a bad character at position 4'],
    [['--secret', 'ABC'], '--secret: base32 length 3 is not a whole number of bytes'],
    [['--secret=- -'], '--secret is empty'],
    [['--bogus'], "unknown option '--bogus'"],
  ])('refuses %j: exit 2 and a one-line reason', async (flags, reason) => {
    const argv = flags.some((f) => f.startsWith('--secret')) ? flags : ['--secret', RFC_SECRET, ...flags];
    const r = await hwtotp('otp', ...argv);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain('hwtotp otp: ' + reason);
    expect(r.err[0]).toMatch(/ \(usage: hwtotp otp --help\)$/);
  });

  it('refuses a missing secret, or a flag missing its value', async () => {
    expect((await hwtotp('otp', '--time', '59')).err).toEqual(['hwtotp otp: --secret or --secret-file is required (usage: hwtotp otp --help)']);
    const r = await hwtotp('otp', '--secret');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^hwtotp otp: .*--secret.*argument missing/);
  });

  it('--help lists the subcommands, otp among them; otp --help shows its usage', async () => {
    const r = await hwtotp('--help');
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^usage: hwtotp <command>/);
    expect(r.out.some((l) => /^ {2}otp +print a TOTP code/.test(l))).toBe(true);
    const o = await hwtotp('otp', '--help');
    expect(o).toEqual({ code: 0, out: [expect.stringMatching(/^usage: hwtotp otp --secret B32\|- \| --secret-file FILE \[--algorithm/)], err: [] });
    const unknown = await hwtotp('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toEqual(['hwtotp: unknown command "nope"; run hwtotp --help']);
  });

  it('works through the real bin, as `npx hwtotp` runs it', async () => {
    const bin = ['tools/bin/hwtotp.js', 'otp', '--secret', RFC_SECRET, '--time', '59', '--digits', '8'];
    const ok = await run(process.execPath, bin, { cwd: ROOT });
    expect(ok.stdout).toBe('94287082\n');
    expect(ok.stderr).toBe('');
    const bad = run(process.execPath, ['tools/bin/hwtotp.js', 'otp', '--secret', RFC_SECRET, '--digits', '9'], { cwd: ROOT });
    await expect(bad).rejects.toMatchObject({ code: 2, stdout: '', stderr: 'hwtotp otp: --digits must be from 6 to 8, got 9 (usage: hwtotp otp --help)\n' });
  });

  it('is installed as `hwtotp` in node_modules/.bin, so `npx hwtotp` finds it', async () => {
    const { stdout } = await run(ROOT + 'node_modules/.bin/hwtotp', ['otp', '--secret', RFC_SECRET, '--time', '59', '--digits', '8'], { cwd: ROOT });
    expect(stdout).toBe('94287082\n');
  });
});
