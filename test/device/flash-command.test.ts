/**
 * `hwtotp flash` and `hwtotp build` argument handling (no hardware: --dry-run prints the espruino CLI
 * command instead of running it).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { flash, flashArgs, ESPRUINO_CLI } from '../../tools/src/commands/flash.ts';
import { build } from '../../tools/src/commands/build.ts';
import { main } from '@hwtotp/tools';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} } };
}

describe('hwtotp flash', () => {
  it('is registered and prints the espruino CLI command with --dry-run', async () => {
    const c = io();
    const code = await main(['flash', '--board', 'pico', '--port', '/dev/ttyACM0', '--bundle', 'package.json', '--dry-run'], c.io);
    expect(code).toBe(0);
    expect(c.out).toHaveLength(1);
    const line = c.out[0] as string;
    expect(line).toContain(ESPRUINO_CLI);
    expect(line).toContain(' -p /dev/ttyACM0 ');
    expect(line).toContain('--config SAVE_ON_SEND=1');
    expect(line.endsWith('package.json')).toBe(true);
    expect(existsSync(ESPRUINO_CLI)).toBe(true);
  });

  it('passes the port and bundle as separate arguments, never through a shell', () => {
    expect(flashArgs('/dev/ttyACM0', '/x/pico.js')).toEqual([ESPRUINO_CLI, '--no-ble', '-p', '/dev/ttyACM0', '--config', 'SAVE_ON_SEND=1', '/x/pico.js']);
    // A Bluetooth address keeps the CLI's BLE support on.
    expect(flashArgs('aa:bb:cc:dd:ee:ff', '/x/pixljs.js')).toEqual([ESPRUINO_CLI, '-p', 'aa:bb:cc:dd:ee:ff', '--config', 'SAVE_ON_SEND=1', '/x/pixljs.js']);
  });

  const bad: [string, string[], RegExp][] = [
    ['no board', ['--port', '/dev/ttyACM0'], /--board is required/],
    ['an unknown board', ['--board', 'esp32', '--port', '/dev/ttyACM0'], /--board must be one of pico, banglejs2, pixljs, got "esp32"/],
    ['no port', ['--board', 'pico'], /--port is required/],
    ['a port that looks like an option', ['--board', 'pico', '--port=--help'], /--port must be/],
    ['a missing bundle file', ['--board', 'pico', '--port', '/dev/ttyACM0', '--bundle', 'nope.js'], /--bundle: no such file "nope.js"/],
    ['an unknown option', ['--board', 'pico', '--port', 'x', '--baud', '9600'], /unknown option/i],
  ];
  for (const [name, args, msg] of bad) {
    it('refuses ' + name + ' with a usage error (exit 2)', async () => {
      const c = io();
      expect(await main(['flash'].concat(args), c.io)).toBe(2);
      expect(c.err.join('\n')).toMatch(msg);
      expect(c.out).toEqual([]);
    });
  }

  it('names itself and its usage', () => {
    expect(flash.name).toBe('flash');
    expect(flash.usage).toContain('--port DEV');
  });
});

describe('hwtotp build', () => {
  it('refuses an unknown board before building anything', async () => {
    const c = io();
    expect(await main(['build', '--board', 'arduino'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--board must be one of pico, banglejs2, pixljs, got "arduino"/);
    expect(build.usage).toContain('--board');
  });
});
