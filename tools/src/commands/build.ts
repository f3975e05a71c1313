/** `hwtotp build [--board B]`: build the firmware bundle(s) into device/dist and print their sizes. */
import { Command, UsageError } from '../command.ts';
import { boardNames } from '@hwtotp/protocol';
import { importToolchain } from '../build/bundle.ts';

export const build: Command = {
  name: 'build',
  usage: 'hwtotp build [--board ' + boardNames().join('|') + '] [--json]',
  options: {
    board: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, _pos, io) {
    const board = flags.board;
    if (board !== undefined && (typeof board !== 'string' || boardNames().indexOf(board) < 0)) {
      throw new UsageError('--board must be one of ' + boardNames().join(', ') + ', got "' + String(board) + '"');
    }
    const { buildFirmware } = await importToolchain(() => import('../build/firmware.ts'), 'hwtotp build');
    const result = await buildFirmware({ boards: board ? [board] : undefined });
    if (flags.json) io.out(JSON.stringify({ sizes: result.sizes, files: result.files }));
    else for (const name of Object.keys(result.sizes)) io.out(result.files[name] + '  ' + result.sizes[name] + ' bytes');
    return 0;
  },
};
