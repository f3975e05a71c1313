/**
 * `hwtotp settime --port DEV`: sets the token's clock to this host's. A provisioned token asks for a
 * button press first (someone with only the USB port must not move its clock to harvest codes).
 */
import type { Command } from '../command.ts';
import { presenceError, pressPrompt, serialOptions, withToken } from './info.ts';

export const settime: Command = {
  name: 'settime',
  usage: 'hwtotp settime --port DEV [--baud N] [--json]',
  options: { ...serialOptions },
  async run(flags, _pos, io) {
    return withToken(flags, async (c) => {
      const before = c.info;
      const host = Math.floor(Date.now() / 1000);
      let set: number;
      try {
        set = await c.setTime(host, { onWait: pressPrompt(io, flags, 'the new time') });
      } catch (e) {
        throw presenceError(e, 'setting the clock');
      }
      const was = before.clockSet ? before.time - host : null;
      if (flags.json) io.out(JSON.stringify({ time: set, previousOffset: was }));
      else io.out(`clock set to ${new Date(set * 1000).toISOString()}${was === null ? ' (it was not set)' : ` (it was ${was > 0 ? '+' : ''}${was} s off)`}`);
      return 0;
    });
  },
};
