/** The check's command-line form: one line per problem, exit 1 on problems, 2 on bad usage. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../tools/src/espruino-check/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'espruino-check-'));
const bad = join(dir, 'bad.js');
const good = join(dir, 'good.js');
const cjs = join(dir, 'cjs.js');
writeFileSync(bad, 'var ok = 1;\nvar m = new Map();\nvar n = Math.imul(2, 3);\n');
writeFileSync(good, 'var ok = 1;\nfunction f() { return ok; }\nf();\n');
writeFileSync(cjs, 'exports.x = require("Storage");\n');

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

describe('espruino-check CLI', () => {
  it('prints file:line:column rule: message per problem and exits 1', () => {
    const r = run([good, bad]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      bad + ':2:13 forbidden-global: Map: Espruino has no Map (use a plain object keyed by string)',
      bad + ':3:9 forbidden-member: Math.imul: Espruino has no Math.imul',
    ]);
  });

  it('exits 0 on clean files, and --commonjs allows require/exports/module', () => {
    expect(run([good]).code).toBe(0);
    expect(run([cjs]).code).toBe(1);
    expect(run(['--commonjs', cjs])).toEqual({ code: 0, out: [], err: [] });
    expect(run(['--allow-global', 'exports', cjs]).code).toBe(0);
  });

  it('exits 2 with a reason on bad usage', () => {
    expect(run([]).code).toBe(2);
    expect(run([]).err[0]).toBe('espruino-check: no files given');
    expect(run(['--nope', good]).code).toBe(2);
    const missing = run([join(dir, 'missing.js')]);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(/cannot read .*missing\.js/);
  });

  it('runs as a script through tsx', async () => {
    const p = promisify(execFile)('npx', ['tsx', 'tools/src/espruino-check/cli.ts', bad], { cwd: process.cwd() });
    await expect(p).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('bad.js:2:13 forbidden-global: Map') });
  });
});
