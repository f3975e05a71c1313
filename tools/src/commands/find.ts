/** `hwtotp find`: which token shows these two consecutive codes now (exit 0 with its serial; 1 none or several). */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const find: Command = {
  name: 'find',
  usage: 'hwtotp find --code C1 --code2 C2 [--wide] [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, code: { type: 'string' }, code2: { type: 'string' }, wide: { type: 'boolean' } },
  async run(flags, _pos, io) {
    const code1 = required(flags, 'code');
    const code2 = required(flags, 'code2');
    return withVerifier(flags, io, async (v) => {
      const r = await v.find(code1, code2, { wide: flags.wide === true });
      io.out(flags.json ? JSON.stringify(r)
        : `${r.serial}  ${r.state}${r.user ? ` (user ${r.user})` : ''}, drift ${r.driftSteps} steps`);
      return 0;
    });
  },
};
