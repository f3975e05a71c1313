/**
 * The build refuses a bundle that would fail on Espruino: a forbidden global or member, a use before
 * declaration, code from node_modules (a pure-JS hash), a hand-written hash, and a pico bundle over
 * budget. No bundle of a failed build is written. (The check itself is tested in test/espruino-check.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, BuildError } from '@hwtotp/tools/build';

const tmp = mkdtempSync(join(tmpdir(), 'hwtotp-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function buildBad(name: string): Promise<unknown> {
  return buildFirmware({
    boards: [],
    entries: { [name]: 'test/device/fixtures/' + name + '.ts' },
    buildDir: join(tmp, name, 'build'),
    distDir: join(tmp, name, 'dist'),
  });
}

async function failure(name: string): Promise<string> {
  const err = await buildBad(name).then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(BuildError);
  expect(existsSync(join(tmp, name, 'dist', name + '.js'))).toBe(false);
  return (err as Error).message;
}

describe('the build fails on what Espruino cannot run', () => {
  it('names each forbidden global and member', async () => {
    const msg = await failure('bad-globals');
    expect(msg).toMatch(/bad-globals\.js:\d+:\d+ forbidden-global: .*Map/);
    expect(msg).toMatch(/forbidden-global: .*Symbol/);
    expect(msg).toMatch(/forbidden-member: .*Array\.from/);
  });

  it('refuses a name (a class compiled to a var) used before its declaration', async () => {
    expect(await failure('bad-hoist')).toMatch(/use-before-define/);
  });

  it('refuses code from node_modules, such as a pure-JS hash', async () => {
    expect(await failure('bad-noble')).toMatch(/@noble\/hashes.*outside the compiled sources/);
  });

  it('refuses a hand-written hash', async () => {
    expect(await failure('bad-pure-hash')).toMatch(/pure-JS SHA-1/);
  });

  it('refuses a pico bundle over its budget, and an unknown board', async () => {
    const err = await buildFirmware({ boards: ['pico'], budgets: { pico: 4096 }, buildDir: join(tmp, 'b', 'build'), distDir: join(tmp, 'b', 'dist') })
      .then(() => undefined, (e) => e);
    expect((err as Error).message).toMatch(/pico\.js: \d+ bytes minified, over its budget of 4096/);
    expect(existsSync(join(tmp, 'b', 'dist', 'pico.js'))).toBe(false);
    await expect(buildFirmware({ boards: ['esp8266'] })).rejects.toThrow(/unknown board "esp8266"/);
  });
});
