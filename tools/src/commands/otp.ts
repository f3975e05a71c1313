/**
 * `hwtotp otp`: print a TOTP code (RFC 6238) for a base32 secret, as `oathtool --totp -b` does.
 * Useful to check a token against the host by hand, and as the CLI's smallest end-to-end path.
 */
import { DEFAULT_PARAMS, HashAlgorithm, LIMITS, base32Decode, nobleHmac, parseAlgorithm, stepAt, totp } from '@hwtotp/protocol/host';
import { Command, UsageError, intFlag, required } from '../command.ts';

/** Decodes --secret, turning a base32 error into a usage error that names the flag. */
function secretFlag(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = base32Decode(text);
  } catch (e) {
    throw new UsageError('--secret: ' + (e as Error).message);
  }
  if (key.length === 0) throw new UsageError('--secret is empty');
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
  usage: 'hwtotp otp --secret B32 [--algorithm SHA1|SHA256|SHA512] [--digits 6-8] [--period S] [--time UNIX] [--json]',
  options: {
    secret: { type: 'string' },
    algorithm: { type: 'string' },
    digits: { type: 'string' },
    period: { type: 'string' },
    time: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, _pos, io) {
    const key = secretFlag(required(flags, 'secret'));
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
