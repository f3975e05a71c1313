/** Runs the `hwtotp` CLI in-process, as the binary would, capturing what it prints. */
import { main } from '@hwtotp/tools';

export interface CliResult {
  code: number;
  /** stdout and stderr, their lines joined with "\n". */
  out: string;
  err: string;
  outLines: string[];
  errLines: string[];
}

/** `hwtotp ...argv` with exactly this environment (nothing of the test process's own leaks in). */
export async function runMain(env: NodeJS.ProcessEnv, argv: string[]): Promise<CliResult> {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const code = await main(argv, { out: (l) => outLines.push(l), err: (l) => errLines.push(l), env });
  return { code, out: outLines.join('\n'), err: errLines.join('\n'), outLines, errLines };
}
