/**
 * `tsx tools/src/espruino-check/cli.ts [--allow-global NAME]... [--commonjs] FILE...`
 * Checks each file for Espruino; prints one line per problem and exits 1 if any, 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { checkEspruino, formatProblems } from './index.ts';

const USAGE = 'usage: espruino-check [--allow-global NAME]... [--commonjs] FILE...';

/** Runs the check CLI over argv; returns the exit status. */
export function runCli(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'allow-global': { type: 'string', multiple: true }, commonjs: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    err('espruino-check: ' + (e as Error).message.split('\n')[0]);
    err(USAGE);
    return 2;
  }
  if (parsed.values.help) {
    out(USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    err('espruino-check: no files given');
    err(USAGE);
    return 2;
  }
  const allow = (parsed.values['allow-global'] || []).slice();
  if (parsed.values.commonjs) allow.push('require', 'exports', 'module');
  let failed = 0;
  for (const file of parsed.positionals) {
    let code: string;
    try {
      code = readFileSync(file, 'utf8');
    } catch (e) {
      err('espruino-check: cannot read ' + file + ': ' + (e as Error).message);
      return 2;
    }
    const result = checkEspruino(code, { filename: file, allowGlobals: allow });
    for (const line of formatProblems(file, result.problems)) out(line);
    if (!result.ok) failed++;
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  process.exitCode = runCli(process.argv.slice(2), (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
}
