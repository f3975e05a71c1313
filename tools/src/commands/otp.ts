/**
 * `hwtotp otp`: print a TOTP code (RFC 6238) for a base32 secret, as `oathtool --totp -b` does.
 * Useful to check a token against the host by hand, and as the CLI's smallest end-to-end path.
 *
 * The secret can come from the command line (`--secret B32`, which every user of the machine can
 * read in `ps` while the command runs), from a file (`--secret-file FILE`) or from standard input
 * (`--secret -`). The last two keep it out of the process list. Errors name the position of a bad
 * character, never the character.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DEFAULT_PARAMS, HashAlgorithm, LIMITS, base32Decode, nobleHmac, parseAlgorithm, stepAt, totp } from '@hwtotp/protocol/host';
import { Command, Flags, UsageError, intFlag } from '../command.ts';

/**
 * Longest secret text read from a file or standard input. A 64-byte seed (the most a SHA-512 token
 * holds) is 103 base32 characters; 4 KiB leaves room for spacing and a trailing newline, and stops a
 * mistaken `--secret-file /dev/zero` at once.
 */
const MAX_SECRET_TEXT = 4096;

/** Reads a stream to its end, refusing more than MAX_SECRET_TEXT bytes. */
async function readSmall(stream: Readable, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      n += b.length;
      if (n > MAX_SECRET_TEXT) throw new UsageError(`${what}: more than ${MAX_SECRET_TEXT} bytes; a base32 secret is far shorter`);
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The secret's text from --secret B32, --secret - (standard input) or --secret-file FILE, and the flag it came from. */
async function secretText(flags: Flags): Promise<{ text: string; from: string }> {
  const inline = flags.secret;
  const file = flags['secret-file'];
  if (inline !== undefined && file !== undefined) throw new UsageError('give --secret or --secret-file, not both');
  if (typeof file === 'string') {
    if (file === '') throw new UsageError('--secret-file must not be empty');
    return { text: await readSmall(createReadStream(file), `--secret-file "${file}"`), from: '--secret-file' };
  }
  if (typeof inline !== 'string' || inline === '') throw new UsageError('--secret or --secret-file is required');
  if (inline === '-') return { text: await readSmall(process.stdin, '--secret -'), from: '--secret -' };
  return { text: inline, from: '--secret' };
}

/**
 * Decodes the secret, turning a base32 error into a usage error that names where it came from.
 * Line ends around the text (a file's last newline, `echo` into stdin) are not part of it.
 */
async function secretFlag(flags: Flags): Promise<Uint8Array> {
  const { text, from } = await secretText(flags);
  let key: Uint8Array;
  try {
    key = base32Decode(from === '--secret' ? text : text.replace(/^[\r\n]+|[\r\n]+$/g, ''));
  } catch (e) {
    throw new UsageError(from + ': ' + (e as Error).message);
  }
  if (key.length === 0) throw new UsageError(from + ' is empty');
  return key;
}

/** Parses --algorithm (default SHA1), naming the flag in the error. */
function algorithmFlag(value: string | boolean | undefined): HashAlgorithm {
  try {
    return parseAlgorithm(typeof value === 'string' ? value : DEFAULT_PARAMS.algorithm);
  } catch (e) {
    throw new UsageError('--algorithm: ' + (e as Error).message);
  }
}

/** The `otp` subcommand. */
export const otp: Command = {
  name: 'otp',
  usage: 'hwtotp otp --secret B32|- | --secret-file FILE [--algorithm SHA1|SHA256|SHA512] [--digits 6-8] [--period S] [--time UNIX] [--json]',
  options: {
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    algorithm: { type: 'string' },
    digits: { type: 'string' },
    period: { type: 'string' },
    time: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, _pos, io) {
    const key = await secretFlag(flags);
    const algorithm = algorithmFlag(flags.algorithm);
    const digits = intFlag(flags, 'digits', LIMITS.digits.min, LIMITS.digits.max) ?? DEFAULT_PARAMS.digits;
    // Any whole period of 1 s or more, as RFC 6238 allows: a calculator, not a token, so not LIMITS.period.
    const period = intFlag(flags, 'period', 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_PARAMS.period;
    const time = intFlag(flags, 'time', 0, 2 ** 40) ?? Math.floor(Date.now() / 1000);
    const code = totp(nobleHmac, key, time, { algorithm, digits, period });
    io.out(flags.json ? JSON.stringify({ code, step: stepAt(time, { period }) }) : code);
    return 0;
  },
};
