/**
 * `hwtotp sim` on a checkout without device/dist (a fresh clone: dist is git-ignored): the default
 * bundle is built first, as `hwtotp flash` does, while a missing --bundle stays an error. The command
 * runs in-process, pointed at a temporary dist (and build) directory, so the checkout's own are not
 * touched.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../tools/src/command.ts';
import { main } from '@hwtotp/tools';
import { simCommand } from '../../tools/src/commands/sim.ts';
import { tempDir } from './helpers.ts';

const MINI = join(import.meta.dirname, 'fixtures', 'mini-token.js');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} } };
}

/** stdin with these commands, then end of input. */
function stdin(text: string): PassThrough {
  const s = new PassThrough();
  s.end(text);
  return s;
}

describe('hwtotp sim: the bundle', () => {
  it('builds the default bundle when it is missing, saying so on stderr, and runs it', async () => {
    const dir = tempDir();
    const distDir = join(dir, 'dist');
    mkdirSync(distDir);
    const c = io();
    const cmd = simCommand({ distDir, buildDir: join(dir, 'build'), stdin: stdin('quit\n') });
    expect(await cmd.run({ board: 'pico', clock: 'virtual', json: true }, [], c.io)).toBe(0);

    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/pico\.js is missing; building it/);
    expect(existsSync(join(distDir, 'pico.js'))).toBe(true); // only the board asked for
    expect(existsSync(join(distDir, 'banglejs2.js'))).toBe(false);
    // stdout stays JSON lines: the build's report went to stderr
    const events = c.out.map((l) => JSON.parse(l) as { event: string; lines?: string[] });
    expect(events.map((e) => e.event)).toEqual(['ready', 'display']);
    expect(events[1]!.lines).toEqual(['NOT PROVISIONED']); // the real firmware, freshly built
  }, 60_000);

  it('runs a default bundle that is there without building', async () => {
    const distDir = tempDir();
    copyFileSync(MINI, join(distDir, 'pico.js'));
    const c = io();
    const cmd = simCommand({ distDir, buildDir: join(distDir, 'build'), stdin: stdin('quit\n') });
    expect(await cmd.run({ board: 'pico', clock: 'virtual', json: true }, [], c.io)).toBe(0);
    expect(c.err).toEqual([]);
    expect(readdirSync(distDir)).toEqual(['pico.js']);
    const shown = JSON.parse(c.out[1]!) as { event: string; lines: string[] };
    expect(shown.event).toBe('display');
    expect(shown.lines[0]).toBe('HELLO'); // the fixture ran, not a rebuilt firmware
  });

  it('refuses a --bundle that does not exist, and builds nothing', async () => {
    const distDir = tempDir();
    const missing = join(distDir, 'nope.js');
    const c = io();
    const cmd = simCommand({ distDir, buildDir: join(distDir, 'build'), stdin: stdin('quit\n') });
    await expect(cmd.run({ board: 'pico', bundle: missing, json: true }, [], c.io)).rejects.toThrow(UsageError);
    await expect(cmd.run({ board: 'pico', bundle: missing, json: true }, [], c.io)).rejects.toThrow(`--bundle: no such file "${missing}"`);
    expect(readdirSync(distDir)).toEqual([]);
    expect(c.err).toEqual([]);
    expect(c.out).toEqual([]);

    // through the CLI: a usage error, exit 2
    const m = io();
    expect(await main(['sim', '--json', '--bundle', missing], m.io)).toBe(2);
    expect(m.err.join('\n')).toContain(`hwtotp sim: --bundle: no such file "${missing}"`);
    expect(m.err.join('\n')).not.toMatch(/building/);
    expect(m.out).toEqual([]);
  });

  it('puts a --bundle that skipped the build through the Espruino check: syntax V8 would run is refused', async () => {
    const dir = tempDir();
    const modern = join(dir, 'modern.js');
    writeFileSync(modern, 'var o = { a: 1 };\nvar { a } = o;\nvar sq = (x) => x ** 2;\n');
    const m = io();
    expect(await main(['sim', '--json', '--clock', 'virtual', '--bundle', modern], m.io)).toBe(1);
    expect(m.out).toEqual([]);
    const said = m.err.join('\n');
    expect(said).toContain(`--bundle ${modern} would not run on Espruino (3 problems)`);
    expect(said).toMatch(/modern\.js:2:\d+ es5-syntax: destructuring/);
    // The same fixture that runs above passes the check: the check is not what refuses everything.
    const ok = io();
    expect(await simCommand({ stdin: stdin('quit\n') }).run({ board: 'pico', clock: 'virtual', bundle: MINI, json: true }, [], ok.io)).toBe(0);
    expect(JSON.parse(ok.out[0]!).event).toBe('ready');
  });
});
