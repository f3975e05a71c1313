/** `hwtotp check`: verify a sign-in code (exit 0 accepted, 1 refused). */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const check: Command = {
  name: 'check',
  usage: 'hwtotp check --user U --code C [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, user: { type: 'string' }, code: { type: 'string' } },
  async run(flags, _pos, io) {
    const user = required(flags, 'user');
    const code = required(flags, 'code');
    return withVerifier(flags, io, async (v) => {
      const r = await v.check(user, code);
      io.out(flags.json ? JSON.stringify(r) : `accepted: token ${r.serial}`);
      return 0;
    });
  },
};
