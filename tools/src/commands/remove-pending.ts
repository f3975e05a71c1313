/**
 * `hwtotp remove-pending`: forget a token whose provisioning never finished (a KCV mismatch on a
 * token then thrown away, or a cut the operator will not resume). Only a pending entry can go: a
 * token that was ever ready keeps its row, its last step and its audit trail.
 */
import { Command, required } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const removePending: Command = {
  name: 'remove-pending',
  usage: 'hwtotp remove-pending --serial S [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, serial: { type: 'string' } },
  async run(flags, _pos, io) {
    const serial = required(flags, 'serial');
    return withVerifier(flags, io, async (v) => {
      await v.removePending(serial);
      io.out(flags.json ? JSON.stringify({ serial, removed: true }) : `removed pending token ${serial}`);
      return 0;
    });
  },
};
