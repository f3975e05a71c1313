/**
 * `hwtotp --help` loads no command: not serialport, fastify, SQLite, or the firmware toolchain
 * (typescript, rollup, terser). A module-resolution hook records every module the compiled CLI
 * resolves; `flash --help` and `otp` are held to the same rule, and a command on a SQLite registry
 * does not load node-postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openVerifier } from '@hwtotp/verifier';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../tools/bin/hwtotp.js');
const HEAVY = ['serialport', 'fastify', 'better-sqlite3', 'typescript', 'rollup', 'terser', 'eslint', 'acorn', 'pngjs'];

const dir = mkdtempSync(join(tmpdir(), 'hwtotp-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'hooks.mjs'),
  "import { appendFileSync } from 'node:fs';\n" +
  'export async function resolve(specifier, context, next) {\n' +
  '  const r = await next(specifier, context);\n' +
  "  appendFileSync(process.env.HWTOTP_LOAD_LOG, r.url + '\\n');\n" +
  '  return r;\n}\n');
writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");

/** The packages (node_modules names) that running `hwtotp ...args` resolved. */
async function packagesLoaded(args: string[], log: string): Promise<string[]> {
  await run(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...args], { env: { ...process.env, HWTOTP_LOAD_LOG: log } });
  const urls = readFileSync(log, 'utf8').trim().split('\n');
  const names = urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((n): n is string => !!n);
  return [...new Set(names)];
}

describe('the compiled CLI loads what a command needs, no more', () => {
  it('the hook sees what a command does load (the check can fail)', async () => {
    const loaded = await packagesLoaded(['list', '--help'], join(dir, 'list.log'));
    // list --help loads the list command, which opens registries: SQLite is among its imports.
    expect(loaded.some((n) => n === 'better-sqlite3' || n === '@hwtotp/verifier')).toBe(true);
  });

  it.each([
    [['--help']],
    [['flash', '--help']],
    [['build', '--help']],
    [['otp', '--secret', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', '--time', '59']],
  ])('hwtotp %j loads none of serialport, fastify, SQLite or the firmware toolchain', async (args) => {
    const loaded = await packagesLoaded(args, join(dir, args.join('_').replace(/\W/g, '') + '.log'));
    expect(loaded.filter((n) => HEAVY.includes(n))).toEqual([]);
  });

  it('a command on a SQLite registry loads SQLite but not node-postgres', async () => {
    const db = join(dir, 'lazy.db');
    await (await openVerifier({ db, env: {} })).close(); // a registry, with its key file beside it
    const loaded = await packagesLoaded(['list', '--db', db], join(dir, 'sqlite-list.log'));
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).not.toContain('pg');
  });
});
