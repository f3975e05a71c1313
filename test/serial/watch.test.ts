/** Port discovery for --batch: globs, one entry per device, and bad patterns named. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWatchPattern, scanPorts } from '@hwtotp/verifier';
import { checkBaud } from '@hwtotp/verifier';
import { cli } from './cli-helper.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwtotp-watch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('scanPorts', () => {
  it('matches the last path component, follows links, and lists each device once', () => {
    mkdirSync(join(dir, 'dev'));
    mkdirSync(join(dir, 'by-id'));
    writeFileSync(join(dir, 'dev', 'ttyACM0'), '');
    writeFileSync(join(dir, 'dev', 'ttyACM1'), '');
    writeFileSync(join(dir, 'dev', 'ttyS0'), '');
    symlinkSync(join(dir, 'dev', 'ttyACM1'), join(dir, 'by-id', 'usb-Espruino_Pico-if00'));
    symlinkSync(join(dir, 'dev', 'gone'), join(dir, 'by-id', 'usb-dangling-if00'));
    const found = scanPorts([join(dir, 'by-id', '*'), join(dir, 'dev', 'ttyACM?'), join(dir, 'nowhere', '*')]);
    expect(found.map((f) => f.path)).toEqual([join(dir, 'by-id', 'usb-Espruino_Pico-if00'), join(dir, 'dev', 'ttyACM0')]);
    expect(found[0]!.device).toBe(join(dir, 'dev', 'ttyACM1'));
  });

  it('refuses wildcards outside the last component, naming the pattern', () => {
    expect(() => checkWatchPattern('/dev/*/ttyACM0')).toThrow(/"\/dev\/\*\/ttyACM0"/);
    expect(checkWatchPattern('/dev/ttyACM*')).toBe('/dev/ttyACM*');
  });
});

describe('baud', () => {
  it('accepts standard rates and names a bad one', () => {
    expect(checkBaud(9600)).toBe(9600);
    expect(() => checkBaud(12345)).toThrow(/baud rate must be one of .*got 12345/);
  });

  it('the CLI reports bad --baud and --watch as usage errors (exit 2)', async () => {
    const baud = await cli(['info', '--port', join(dir, 'tty'), '--baud', '12345']);
    expect(baud.code).toBe(2);
    expect(baud.stderr).toMatch(/--baud: baud rate must be one of/);
    const watch = await cli(['provision', '--batch', '--watch', '/dev/*/x', '--db', join(dir, 'r.db')]);
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(/wildcards only in its last part/);
  });
});
