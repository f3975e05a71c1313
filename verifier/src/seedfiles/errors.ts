/**
 * The one error type of the seed-file readers, writers and import checks.
 *
 * Messages name the file position (line and column for CSV, key index and serial for PSKC) and what
 * is wrong. They never quote a secret, a key, a password or any decrypted byte: a seed file error may
 * end up in a terminal log or an HTTP reply.
 */

import { printable } from '../validate.ts';

/** Why a seed file was refused; tests and callers branch on this, people read the message. */
export type SeedFileReason =
  | 'too-large'
  | 'forbidden'
  | 'malformed'
  | 'unsupported'
  | 'invalid-value'
  | 'missing-key'
  | 'wrong-key'
  | 'duplicate'
  | 'refused-keys'
  | 'no-keys';

/** A refused seed file. `problems` lists every problem found when there are several (one per line). */
export class SeedFileError extends Error {
  override name = 'InvalidSeedFile';
  /** CLI exit status: a refusal, not a usage error. */
  readonly exitCode = 1;
  /** For the HTTP API: the request was understood but its content is unacceptable. */
  readonly httpStatus = 400;
  readonly reason: SeedFileReason;
  readonly problems: string[];

  constructor(reason: SeedFileReason, message: string, problems?: string[]) {
    // A message may quote a serial or a column name from a hostile file: control characters are shown, never sent.
    const lines = problems?.map(printable);
    super(lines && lines.length > 1 ? printable(message) + ':\n  ' + lines.join('\n  ') : printable(message));
    this.reason = reason;
    this.problems = lines ?? [this.message];
  }
}
