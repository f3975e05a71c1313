/**
 * The shape of one `hwtotp` subcommand, and the errors that map to exit codes
 * (0 success, 1 refused, 2 usage error; README "The hwtotp command").
 */
import type { ParseArgsConfig } from 'node:util';

/** Output streams, injectable so tests can run commands in-process. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Parsed flag values as node:util parseArgs returns them. */
export type Flags = { [name: string]: string | boolean | undefined };

export interface Command {
  name: string;
  /** The synopsis shown by `hwtotp NAME --help` and with usage errors. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether positional arguments are accepted (e.g. `import FILE`). */
  positionals?: boolean;
  run(flags: Flags, positionals: string[], io: Io): Promise<number>;
}

/** A bad command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads a flag that must be present. */
export function required(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** Reads an optional integer flag, with a range. */
export function intFlag(flags: Flags, name: string, min: number, max: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got "${String(v)}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

/**
 * Resolves at the first SIGINT or SIGTERM, then stops listening for them: a long-running command
 * (serve, radius) awaits it, then shuts down cleanly. Call it before printing anything, since a
 * supervisor may signal as soon as it reads the first line.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
