/** `hwtotp enable`: assign a token to a user with two consecutive codes. */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const enable: Command = {
  name: 'enable',
  usage: 'hwtotp enable --user U --device-name N --serial S --code1 C --code2 C [--db FILE] [--key-file F] [--json]',
  options: {
    ...dbOptions,
    user: { type: 'string' },
    'device-name': { type: 'string' },
    serial: { type: 'string' },
    code1: { type: 'string' },
    code2: { type: 'string' },
  },
  async run(flags, _pos, io) {
    const user = required(flags, 'user');
    const deviceName = required(flags, 'device-name');
    const serial = required(flags, 'serial');
    const code1 = required(flags, 'code1');
    const code2 = required(flags, 'code2');
    return withVerifier(flags, io, async (v) => {
      const r = await v.enable(user, deviceName, serial, code1, code2);
      io.out(flags.json ? JSON.stringify(r) : `enabled token ${r.serial} for ${user} on ${r.enableDate}`);
      return 0;
    });
  },
};
