/**
 * `hwtotp migrate --from A --to B`: copies a whole registry into a new, empty one, e.g. a SQLite
 * file into PostgreSQL or back (verifier/src/migrate-registry.ts): tokens with drift, last step and
 * lock state, the audit log, the counters. Seeds stay sealed; the source is only read.
 */
import { migrateRegistry } from '@hwtotp/verifier';
import { Command, required } from '../command.ts';

export const migrate: Command = {
  name: 'migrate',
  usage: 'hwtotp migrate --from FILE.db|postgres://... --to FILE.db|postgres://... [--json]',
  options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  async run(flags, _pos, io) {
    const from = required(flags, 'from');
    const to = required(flags, 'to');
    const r = await migrateRegistry(from, to, { env: io.env });
    io.out(flags.json ? JSON.stringify(r)
      : `copied ${r.tokens} tokens, ${r.audit} audit rows, ${r.sequences} counters; open the new registry with the same master key`);
    return 0;
  },
};
