/**
 * The BUILT bundles, not the sources: built fresh into a temporary directory, each board's bundle
 * boots in a vm context shimmed like Espruino (no Map/Set/Symbol, Espruino timers and CRC), takes the
 * console off its link, answers HELLO, provisions, shows the code on a press, and keeps its state
 * across a reboot. The pico bundle stays within its 12 KB budget.
 */
import { BOARDS as BOARD_TABLE } from '@hwtotp/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import vm from 'node:vm';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { crc32, fromHex, kcv, SERIAL_PATTERN } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { buildFirmware, BUDGETS } from '@hwtotp/tools/build';
import { EspruinoShim, MISSING, type ShimOptions } from './espruino-shim';
import { parse, req, SEED_HEX, SERIAL } from './helpers';

const tmp = mkdtempSync(join(tmpdir(), 'hwtotp-bundle-'));
let sizes: { [board: string]: number } = {};
let files: { [board: string]: string } = {};

beforeAll(async () => {
  const r = await buildFirmware({ buildDir: join(tmp, 'build'), distDir: join(tmp, 'dist') });
  sizes = r.sizes;
  files = r.files;
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Every board of the table, each with its link and, for a built-in LCD, its screen size.
const BOARDS: { board: string; link: string; options: ShimOptions }[] = BOARD_TABLE.map((b) => ({
  board: b.name, link: b.link, options: b.screen.kind === 'lcd' ? { screen: [b.screen.width, b.screen.height] } : {},
}));

function code(time: number): string {
  const c = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromHex(SEED_HEX) }).generate({ timestamp: Math.floor(time) * 1000 });
  return c.substring(0, 3) + ' ' + c.substring(3);
}

describe('built bundles', () => {
  it('fit the budgets and sizes.json records them', () => {
    expect(Object.keys(sizes).sort()).toEqual(['banglejs2', 'pico', 'pixljs']);
    expect(sizes.pico).toBeLessThanOrEqual(BUDGETS.pico as number);
    const recorded = JSON.parse(readFileSync(join(tmp, 'dist', 'sizes.json'), 'utf8'));
    expect(recorded).toEqual(sizes);
    for (const b of Object.keys(sizes)) expect(readFileSync(files[b] as string).length).toBe(sizes[b]);
  });

  it('device/README.md states the sizes this build makes', () => {
    const readme = readFileSync(new URL('../../device/README.md', import.meta.url), 'utf8');
    const stated: { [board: string]: number } = {};
    for (const m of readme.matchAll(/^\| (pico|banglejs2|pixljs) \| ([\d,]+) \|$/gm)) stated[m[1]!] = Number(m[2]!.replace(/,/g, ''));
    expect(stated).toEqual(sizes);
  });

  it('the shim context really lacks what Espruino lacks', () => {
    const shim = new EspruinoShim(readFileSync(files.pico as string, 'utf8'));
    for (const name of MISSING) expect(() => vm.runInContext(name, shim.ctx)).toThrow(/is not defined/);
  });

  for (const { board, link, options } of BOARDS) {
    it(board + ': boots, serves the protocol on ' + link + ' only, provisions and shows codes', () => {
      const bundle = readFileSync(files[board] as string, 'utf8');
      const shim = new EspruinoShim(bundle, Object.assign({ time: 1_800_000_000.5 }, options));
      expect(shim.consoleForced).toBe(true);
      expect(shim.echoWhenMoved).toBe(false); // else Espruino prints "-> LoopbackA" on the link
      expect(shim.linkName).toBe(link);
      expect(shim.text).toEqual(['NOT PROVISIONED']);
      expect(shim.printed).toEqual([]);

      shim.send(req(1, 'HELLO'));
      const hello = parse(shim.take()[0] as string);
      expect(hello.args).toMatchObject({ proto: '1', board: board, state: 'blank', clock: 'unset', hashes: 'SHA1,SHA256' });

      shim.send(req(2, 'PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA512', digits: 6, period: 30, time: 1_800_000_000 }));
      expect(parse(shim.take()[0] as string).args).toEqual({ code: 'BAD_ARG', msg: 'SHA512 is not available on ' + board });

      // A request split in pieces, as the link delivers it.
      const p = req(3, 'PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: 6, period: 30, time: 1_800_000_000 });
      shim.send(p.substring(0, 7));
      shim.send(p.substring(7));
      const ok = parse(shim.take()[0] as string);
      expect(ok).toEqual({ id: 3, op: 'OK', args: { kcv: kcv(nobleHmac, 'SHA1', fromHex(SEED_HEX)), serial: SERIAL } });

      shim.advance(20_000);
      if (board === 'pico') expect(shim.i2c[shim.i2c.length - 1]).toEqual([0, 0xae]);
      if (board === 'banglejs2') {
        expect(shim.lcdPower).toBe(false);
        // Its own 1.5 s hold-to-reload is off before the button is watched: a 2 s hold must refuse;
        // and it never locks, so no press is swallowed (device/README.md, "Bangle.js 2 presses").
        expect(shim.bangleOptions).toEqual({ btnLoadTimeout: 0, lockTimeout: 0, backlightTimeout: 0, lcdPowerTimeout: 0 });
        expect(shim.bangleOptionsBeforeWatch).toBe(true);
      }
      shim.button(true);
      shim.advance(80);
      shim.button(false);
      const t = 1_800_000_020.08;
      expect(shim.text[0]).toBe(code(t));
      expect(shim.text[1]).toBe((30 - (Math.floor(t) % 30)) + 's');
      if (board === 'banglejs2') expect(shim.lcdPower).toBe(true);

      // Garbage is answered, not fatal.
      shim.send('\u0000\u00ff garbage\n');
      expect(parse(shim.take()[0] as string).args.code).toBe('BAD_FRAME');

      // Reboot from the same flash: still provisioned, with its serial.
      const again = new EspruinoShim(bundle, Object.assign({ time: 1_800_000_100, files: shim.files }, options));
      again.send(req(4, 'HELLO'));
      const h2 = parse(again.take()[0] as string);
      expect(h2.args).toMatchObject({ state: 'provisioned', serial: SERIAL, alg: 'SHA1', clock: 'set' });
      expect(SERIAL_PATTERN.test(h2.args.serial as string)).toBe(true);
      expect(again.text[0]).toBe(code(1_800_000_100));
    });
  }

  it('pico: drives the SSD1306 with its init sequence and page-mode flips of 128 data bytes', () => {
    const shim = new EspruinoShim(readFileSync(files.pico as string, 'utf8'));
    const init = shim.i2c[0] as number[];
    expect(init[0]).toBe(0);
    expect(init).toEqual(expect.arrayContaining([0xa8, 31, 0x8d, 0x14, 0xda, 0x02]));
    const pages = shim.i2c.filter((w) => w.length === 4 && w[0] === 0 && ((w[1] as number) & 0xf8) === 0xb0).map((w) => (w[1] as number) & 7);
    expect(pages.slice(0, 4)).toEqual([0, 1, 2, 3]);
    const data = shim.i2c.filter((w) => w[0] === 0x40);
    expect(data.length).toBeGreaterThanOrEqual(4);
    for (const d of data) expect(d.length).toBe(129);
    expect(shim.i2c).toContainEqual([0, 0xaf]);
  });

  it('every reply CRC matches, with the signed CRC Espruino returns', () => {
    const shim = new EspruinoShim(readFileSync(files.pico as string, 'utf8'));
    shim.send(req(5, 'PING') + req(6, 'HELLO') + 'nonsense\n');
    const lines = shim.take();
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      const body = l.substring(1, l.indexOf('*'));
      expect(l.substring(l.indexOf('*') + 1)).toBe((crc32(body) >>> 0).toString(16).toUpperCase().padStart(8, '0'));
    }
  });
});
