/**
 * `hwtotp flash --board B --port DEV`: upload device/dist/<board>.js to a board with the `espruino`
 * CLI (EspruinoTools, from node_modules), saved to flash as the boot code (SAVE_ON_SEND=1) so it
 * runs at every power-up.
 *
 * EspruinoTools talks to the board's REPL, which the firmware takes off the link once it runs. To
 * re-flash, boot the board without our code first (device/README.md, "Flashing").
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, UsageError, required } from '../command.ts';
import { boardNames } from '@hwtotp/protocol';
import { ROOT } from '../build/bundle.ts';
import { bundleFor } from '../build/bundle.ts';

/** The espruino CLI's entry point in node_modules. */
export const ESPRUINO_CLI = join(ROOT, 'node_modules', 'espruino', 'bin', 'espruino-cli.js');

/**
 * The arguments for node that upload `bundle` through `port`: a serial device, a Bluetooth address
 * (banglejs2, pixljs) or tcp://host.
 */
export function flashArgs(port: string, bundle: string): string[] {
  // Bluetooth needs the CLI's BLE support; for a serial or TCP port it would only slow the start.
  const ble = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(port);
  return [ESPRUINO_CLI].concat(ble ? [] : ['--no-ble'], ['-p', port, '--config', 'SAVE_ON_SEND=1', bundle]);
}

function checkPort(port: string): string {
  // A value that looks like an option would be read by the espruino CLI as one.
  if (port.startsWith('-') || /\s/.test(port)) throw new UsageError('--port must be a device path, Bluetooth address or tcp:// URL, got "' + port + '"');
  return port;
}

export const flash: Command = {
  name: 'flash',
  usage: 'hwtotp flash --board ' + boardNames().join('|') + ' --port DEV [--bundle FILE] [--dry-run]',
  options: {
    board: { type: 'string' },
    port: { type: 'string' },
    bundle: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(flags, _pos, io) {
    const board = required(flags, 'board');
    if (boardNames().indexOf(board) < 0) throw new UsageError('--board must be one of ' + boardNames().join(', ') + ', got "' + board + '"');
    const port = checkPort(required(flags, 'port'));
    const bundle = await bundleFor(board, typeof flags.bundle === 'string' ? flags.bundle : undefined);
    const args = flashArgs(port, bundle);
    if (flags['dry-run']) {
      io.out([process.execPath].concat(args).join(' '));
      return 0;
    }
    io.err('flashing ' + bundle + ' to ' + port + ' (boot the board without saved code first: device/README.md)');
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: 'inherit' });
      child.on('error', (e) => {
        io.err('hwtotp flash: cannot run the espruino CLI: ' + e.message);
        resolve(1);
      });
      child.on('exit', (code) => resolve(code === 0 ? 0 : 1));
    });
  },
};
