/**
 * The registry flags every registry subcommand shares, and opening the verifier from them
 * (README "The hwtotp command": `--db FILE|URL`, else $HWTOTP_DB, else ./hwtotp.db; `--json`).
 * The master key comes from $HWTOTP_MASTER_KEY or `--key-file` (default `<db>.key`).
 */
import { openVerifier, VerifierError, type Verifier } from '@hwtotp/verifier';
import type { Command, Flags, Io } from './command.ts';

/** parseArgs definitions of the shared flags: spread them into a command's options. */
export const dbOptions = {
  db: { type: 'string' },
  'key-file': { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Command['options'];

/** The registry path from the flags and environment. */
export function dbPathFromFlags(flags: Flags, env: NodeJS.ProcessEnv): string {
  if (typeof flags.db === 'string' && flags.db !== '') return flags.db;
  return env.HWTOTP_DB || './hwtotp.db';
}

/**
 * Whether a command may create the registry. Only commands that add tokens (import, provision) and
 * `serve` (which says so) create one; every other command refuses a path that does not exist, so a
 * mistyped --db is an error, not a new empty registry and key file.
 */
export interface OpenMode {
  create?: boolean;
}

/** Opens the verifier the flags name (the caller closes it). */
export async function openVerifierFromFlags(flags: Flags, io: Io, mode: OpenMode = {}): Promise<Verifier> {
  const db = dbPathFromFlags(flags, io.env);
  const keyFile = typeof flags['key-file'] === 'string' && flags['key-file'] !== '' ? flags['key-file'] : undefined;
  return openVerifier({ db, env: io.env, create: mode.create === true, ...(keyFile ? { keyFile } : {}) });
}

/**
 * Opens the verifier, runs fn, closes it. With --json a refusal is printed to stdout as
 * `{"error": NAME, "message": ...}` (the HTTP shape) and exits 1; without, it propagates to the
 * CLI, which prints `NAME: message` on stderr and exits 1.
 */
export async function withVerifier(flags: Flags, io: Io, fn: (v: Verifier) => Promise<number>, mode: OpenMode = {}): Promise<number> {
  let v: Verifier | undefined;
  try {
    v = await openVerifierFromFlags(flags, io, mode);
    return await fn(v);
  } catch (e) {
    if (flags.json && e instanceof VerifierError) {
      io.out(JSON.stringify(e.toJSON()));
      return e.exitCode;
    }
    throw e;
  } finally {
    await v?.close();
  }
}
