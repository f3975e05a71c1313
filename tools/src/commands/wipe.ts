/**
 * `hwtotp wipe --port DEV`: erases the token's seed, serial and parameters. Always needs a button
 * press on the token. The registry is not touched: a token that was in use should be deactivated there.
 */
import type { Command } from '../command.ts';
import { presenceError, pressPrompt, serialOptions, withToken } from './info.ts';

export const wipe: Command = {
  name: 'wipe',
  usage: 'hwtotp wipe --port DEV [--baud N] [--json]',
  options: { ...serialOptions },
  async run(flags, _pos, io) {
    return withToken(flags, async (c) => {
      const serial = c.info.serial;
      try {
        await c.wipe({ onWait: pressPrompt(io, flags, 'the wipe') });
      } catch (e) {
        throw presenceError(e, 'the wipe');
      }
      if (flags.json) io.out(JSON.stringify({ wiped: true, serial: serial ?? null }));
      else io.out(`token ${serial ?? 'without serial'} wiped: it is blank`);
      return 0;
    });
  },
};
