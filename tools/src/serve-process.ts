/**
 * Runs `hwtotp serve --json` as a child process on a free port of 127.0.0.1 and waits for its
 * `listening` line: what the multi-process tests and the PostgreSQL bench put behind one registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../bin/hwtotp.js', import.meta.url));

/** A running serve process. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGINT, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `hwtotp serve --port 0 --json --db DB ...extra` with env; rejects with its output if it does not listen. */
export function startServe(db: string, env: NodeJS.ProcessEnv, extra: string[] = [], timeoutMs = 30_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', '--db', db, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}${err}`)); }, timeoutMs);
    child.stderr!.on('data', (d) => { err += d; });
    const onExit = (code: number | null): void => { clearTimeout(timer); reject(new Error(`serve exited (${code}) before listening: ${out}${err}`)); };
    child.once('exit', onExit);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"event":"listening","url":"([^"]+)"/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        url: m[1]!, child, stderr: () => err,
        stop: () => new Promise<void>((res) => {
          if (child.exitCode !== null) return res();
          child.once('exit', () => res());
          child.kill('SIGINT');
        }),
      });
    });
  });
}
