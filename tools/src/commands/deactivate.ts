/** `hwtotp deactivate`: remove a token from its user (it can be enabled again). */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const deactivate: Command = {
  name: 'deactivate',
  usage: 'hwtotp deactivate --user U --serial S [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, user: { type: 'string' }, serial: { type: 'string' } },
  async run(flags, _pos, io) {
    const user = required(flags, 'user');
    const serial = required(flags, 'serial');
    return withVerifier(flags, io, async (v) => {
      await v.deactivate(user, serial);
      io.out(flags.json ? JSON.stringify({ serial, user, deactivated: true }) : `deactivated token ${serial} of ${user}`);
      return 0;
    });
  },
};
