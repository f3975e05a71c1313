/** `hwtotp otp`: print a TOTP code for a base32 secret, as `oathtool --totp -b` does. */
import { base32Decode, nobleHmac, parseAlgorithm, totp } from '@hwtotp/protocol/host';
import { Command, UsageError, intFlag, required } from '../command.ts';

export const otp: Command = {
  name: 'otp',
  summary: 'print a TOTP code for a base32 secret',
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
    let key: Uint8Array;
    let algorithm;
    try {
      key = base32Decode(required(flags, 'secret'));
      algorithm = parseAlgorithm(typeof flags.algorithm === 'string' ? flags.algorithm : 'SHA1');
    } catch (e) {
      throw new UsageError(`--${e instanceof RangeError && /algorithm/.test(e.message) ? 'algorithm' : 'secret'}: ${(e as Error).message}`);
    }
    if (key.length === 0) throw new UsageError('--secret is empty');
    const digits = intFlag(flags, 'digits', 6, 8) ?? 6;
    const period = intFlag(flags, 'period', 1, 86400) ?? 30;
    const time = intFlag(flags, 'time', 0, 2 ** 40) ?? Math.floor(Date.now() / 1000);
    const code = totp(nobleHmac, key, time, { algorithm, digits, period });
    io.out(flags.json ? JSON.stringify({ code, step: Math.floor(time / period) }) : code);
    return 0;
  },
};
