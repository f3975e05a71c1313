/** Runs the real `hwtotp` binary in a child process, line by line, so a test can react to prompts. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../tools/bin/hwtotp.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
  /** Lines printed so far on stdout. */
  lines: string[];
  /** Resolves with the first stdout line matching. */
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts `hwtotp ...args`; onLine sees each stdout and stderr line as it comes. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, onLine?: (line: string, stream: 'out' | 'err') => void): CliRun {
  return runBin(BIN, args, env, onLine);
}

/**
 * runCli of another copy of the binary (an installed one, say). stdin 'pipe' keeps the child's
 * standard input open (`sim --json` quits at its end).
 */
export function runBin(bin: string, args: string[], env: NodeJS.ProcessEnv = {}, onLine?: (line: string, stream: 'out' | 'err') => void,
  stdin: 'ignore' | 'pipe' = 'ignore'): CliRun {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const split = (stream: 'out' | 'err') => {
    let buf = '';
    return (d: Buffer) => {
      const s = d.toString();
      if (stream === 'out') stdout += s;
      else stderr += s;
      buf += s;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (stream === 'out') lines.push(line);
        onLine?.(line, stream);
        for (const w of [...waiters]) {
          if (w.re.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
  };
  child.stdout!.on('data', split('out'));
  child.stderr!.on('data', split('err'));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let the last pipe chunks arrive.
      setTimeout(() => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }), 20);
    });
  });
  return {
    child,
    done,
    lines,
    waitLine(re, timeoutMs = 20000) {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout so far:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
      });
    },
  };
}

/** Runs `hwtotp ...args` to completion. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, onLine?: (line: string, stream: 'out' | 'err') => void) {
  return runCli(args, env, onLine).done;
}
