/** `hwtotp resync`: bring a drifted token back with two consecutive codes. */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const resync: Command = {
  name: 'resync',
  usage: 'hwtotp resync --user U --serial S --code1 C --code2 C [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, user: { type: 'string' }, serial: { type: 'string' }, code1: { type: 'string' }, code2: { type: 'string' } },
  async run(flags, _pos, io) {
    const user = required(flags, 'user');
    const serial = required(flags, 'serial');
    const code1 = required(flags, 'code1');
    const code2 = required(flags, 'code2');
    return withVerifier(flags, io, async (v) => {
      const r = await v.resync(user, serial, code1, code2);
      io.out(flags.json ? JSON.stringify(r) : `resynced token ${r.serial}: drift ${r.driftSteps} steps`);
      return 0;
    });
  },
};
