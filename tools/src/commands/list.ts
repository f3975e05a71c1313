/** `hwtotp list`: tokens of a user, or the whole registry. Never a seed. */
import { Command, UsageError } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';

export const list: Command = {
  name: 'list',
  usage: 'hwtotp list [--user U] [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, user: { type: 'string' } },
  async run(flags, _pos, io) {
    if (flags.user === '') throw new UsageError('--user must not be empty');
    const user = typeof flags.user === 'string' ? flags.user : undefined;
    return withVerifier(flags, io, async (v) => {
      const rows = await v.list(user);
      if (flags.json) {
        io.out(JSON.stringify(rows));
        return 0;
      }
      if (rows.length === 0) {
        io.out(user ? `no tokens for ${user}` : 'no tokens');
        return 0;
      }
      const head = ['SERIAL', 'STATE', 'USER', 'DEVICE', 'ENABLED', 'LAST USED', 'DRIFT NOW', 'RATE', 'LOCKED UNTIL'];
      const table = rows.map((r) => [r.serial, r.state, r.user ?? '-', r.deviceName ?? '-', r.enableDate ?? '-', r.lastUsed ?? '-',
        `${r.driftNowSteps} steps`, r.ratePpm === null ? '-' : `${r.ratePpm} ppm`, r.lockedUntil ?? '-']);
      const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
      for (const row of [head, ...table]) io.out(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
      // One damaged row is listed, not fatal: say what is wrong with it below the table.
      for (const r of rows) if (r.damaged) io.err(`hwtotp list: warning: ${r.damaged}`);
      return 0;
    });
  },
};
