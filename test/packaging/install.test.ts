/**
 * The packages as a user gets them: `npm run pack` writes the tarballs, `npm install --omit=dev`
 * puts them in an empty folder, and the installed `hwtotp` (compiled JavaScript, no TypeScript and
 * no dev dependency at run time) runs otp, import, list, serve, sim and provision.
 * The install compiles better-sqlite3 from source, so this suite takes a minute or two.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../serial/cli-helper.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

let dir: string;
let bin: string;
const env = { HWTOTP_MASTER_KEY: '', HWTOTP_DB: '' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hwtotp-install-'));
  const packs = join(dir, 'packs');
  const { stdout } = await run('npm', ['run', '--silent', 'pack', '--', packs], { cwd: ROOT });
  const tarballs = stdout.trim().split('\n');
  expect(tarballs.map((t) => t.replace(/^.*\//, '')).sort()).toEqual(
    ['hwtotp-device-0.1.0.tgz', 'hwtotp-protocol-0.1.0.tgz', 'hwtotp-tools-0.1.0.tgz', 'hwtotp-verifier-0.1.0.tgz']);
  const app = join(dir, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'hwtotp-install-test', private: true }));
  await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: app });
  bin = join(app, 'node_modules', '@hwtotp', 'tools', 'bin', 'hwtotp.js');
}, 480_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hwtotp installed from the packed tarballs with --omit=dev', () => {
  it('has none of the dev tools: no TypeScript, tsx, vitest or rollup', () => {
    const installed = readdirSync(join(dir, 'app', 'node_modules'));
    for (const dev of ['typescript', 'tsx', 'vitest', 'rollup', 'terser', 'eslint']) expect(installed).not.toContain(dev);
    expect(existsSync(join(dir, 'app', 'node_modules', '@hwtotp', 'device', 'dist', 'pico.js'))).toBe(true);
  });

  it('build, which needs the optional toolchain, says what to install', async () => {
    const e = await run(process.execPath, [bin, 'build']).then(() => null, (x: { code: number; stderr: string }) => x);
    expect(e).toMatchObject({ code: 1, stderr: expect.stringMatching(/needs the firmware toolchain.*npm install typescript@5\.9 rollup terser eslint/) });
  });

  it('otp prints the RFC 6238 code', async () => {
    const { stdout } = await run(process.execPath, [bin, 'otp', '--secret', RFC_SECRET, '--time', '59', '--digits', '8']);
    expect(stdout).toBe('94287082\n');
  });

  it('import, then list, on a new registry', async () => {
    const db = join(dir, 'r.db');
    writeFileSync(join(dir, 'seeds.csv'), `serial,secret\nHWT-PACK-00001,${RFC_SECRET}\n`);
    const imported = await run(process.execPath, [bin, 'import', join(dir, 'seeds.csv'), '--db', db], { env: { ...process.env, ...env } });
    expect(imported.stdout).toMatch(/imported 1 token/);
    const listed = await run(process.execPath, [bin, 'list', '--db', db, '--json'], { env: { ...process.env, ...env } });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ serial: 'HWT-PACK-00001', state: 'unassigned' }]);
  });

  it('serve answers over HTTP and stops on SIGINT', async () => {
    const serve = runBin(bin, ['serve', '--db', join(dir, 'serve.db'), '--port', '0', '--json'], env);
    const line = JSON.parse(await serve.waitLine(/"event":"listening"/, 30_000)) as { url: string };
    const page = await fetch(line.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    serve.child.kill('SIGINT');
    expect((await serve.done).code).toBe(0);
  });

  it('sim runs the shipped bundle, and provision provisions it over the pty', async () => {
    const sim = runBin(bin, ['sim', '--json', '--state', join(dir, 'token.json')], env, undefined, 'pipe');
    try {
      const ready = JSON.parse(await sim.waitLine(/"event":"ready"/, 30_000)) as { port: string };
      const db = join(dir, 'prov.db');
      const prov = await run(process.execPath, [bin, 'provision', '--port', ready.port, '--db', db, '--json'], { env: { ...process.env, ...env } });
      const result = JSON.parse(prov.stdout.trim().split('\n').at(-1)!);
      expect(result).toEqual({ serial: expect.stringMatching(/^HWT/), kcv: expect.stringMatching(/^[0-9A-F]{6}$/) });
      const listed = await run(process.execPath, [bin, 'list', '--db', db, '--json'], { env: { ...process.env, ...env } });
      expect(JSON.parse(listed.stdout)).toMatchObject([{ serial: result.serial, state: 'unassigned' }]);
    } finally {
      sim.child.kill('SIGINT');
      await sim.done;
    }
  }, 120_000);
});
