/**
 * What the token shows: status screens, codes equal to otpauth's at the simulated time, the
 * countdown, the refresh at the period boundary, at most one redraw a second, the display timeout,
 * and that a press costs one HMAC at most before the code is on screen.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as OTPAuth from 'otpauth';
import { crc32 } from '@hwtotp/protocol';
import { FakeBoard, FakeFlash } from './fake-hal';
import { call, provisionArgs, SEED_HEX, SERIAL } from './helpers';
import { DISPLAY_MS } from '@hwtotp/device';
import { encodeRecord } from '@hwtotp/device';

function expected(seedHex: string, time: number, alg = 'SHA1', digits = 6, period = 30): string {
  const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromHex(seedHex), algorithm: alg, digits: digits, period: period })
    .generate({ timestamp: Math.floor(time) * 1000 });
  const half = Math.floor(digits / 2);
  return code.substring(0, half) + ' ' + code.substring(half);
}

function provisioned(time?: number, extra?: { [k: string]: string | number }): FakeBoard {
  const b = new FakeBoard({ time: time }).start();
  expect(call(b, 1, 'PROVISION', provisionArgs(b, extra))[0]!.op).toBe('OK');
  b.advance(DISPLAY_MS + 1000);
  expect(b.screen).toBeUndefined();
  return b;
}

describe('status screens', () => {
  it('a blank token shows NOT PROVISIONED at power-up, then goes dark after the timeout', () => {
    const b = new FakeBoard().start();
    expect(b.screen).toEqual(['NOT PROVISIONED']);
    expect(b.bar).toBeLessThan(0);
    b.advance(DISPLAY_MS - 50);
    expect(b.screen).toEqual(['NOT PROVISIONED']);
    b.advance(100);
    expect(b.screen).toBeUndefined();
    b.press();
    expect(b.screen).toEqual(['NOT PROVISIONED']);
  });

  it('a blank token with a serial shows it under NOT PROVISIONED, and HELLO reports it', () => {
    const flash = new FakeFlash();
    flash.files['hwtotp.1'] = encodeRecord({ q: 1, s: 'HWT-0000009' }, crc32);
    const b = new FakeBoard({ flash: flash }).start();
    expect(b.screen).toEqual(['NOT PROVISIONED', 'HWT-0000009']);
    expect(call(b, 2, 'HELLO')[0]!.args).toMatchObject({ state: 'blank', serial: 'HWT-0000009' });
  });

  it('a provisioned token whose clock was lost shows CLOCK NOT SET and its serial, not a code', () => {
    const first = provisioned();
    // Power loss on a Pico without its crystal: the clock restarts from 1970.
    const b = new FakeBoard({ time: 12, flash: first.flash.reboot() }).start();
    expect(b.screen).toEqual(['CLOCK NOT SET', SERIAL]);
    b.advance(DISPLAY_MS + 10);
    b.press();
    expect(b.screen).toEqual(['CLOCK NOT SET', SERIAL]);
    expect(b.hashCalls).toBe(0);
    expect(call(b, 3, 'HELLO')[0]!.args).toMatchObject({ state: 'provisioned', clock: 'unset' });
    // Setting it needs presence; then codes come back.
    expect(call(b, 4, 'SETTIME', { time: 1_800_000_000 })[0]!.op).toBe('WAIT');
    b.press();
    expect(b.screen![0]).toBe(expected(SEED_HEX, b.now()));
  });
});

describe('codes', () => {
  it('a press on a dark screen shows the code otpauth computes, grouped, with the seconds left', () => {
    const b = provisioned(1_800_000_000.5);
    b.press();
    const t = b.now();
    expect(b.screen).toEqual([expected(SEED_HEX, t), (30 - (Math.floor(t) % 30)) + 's']);
    expect(b.bar).toBeCloseTo((30 - (Math.floor(t) % 30)) / 30, 5);
  });

  it('matches otpauth for SHA256, 8 digits, a 60 s period and a t0', () => {
    const secret = '0f'.repeat(32);
    const b = provisioned(1_800_000_000.5, { secret: secret, alg: 'SHA256', digits: 8, period: 60, t0: 15 });
    for (let i = 0; i < 5; i++) {
      b.press();
      const t = b.now();
      // otpauth has no t0; shifting the time by t0 is the same thing (RFC 6238 §4.2).
      expect(b.screen![0]).toBe(expected(secret, t - 15, 'SHA256', 8, 60));
      b.advance(47_000 + DISPLAY_MS);
    }
  });

  it('matches oathtool, an independent implementation, at several times', () => {
    const b = provisioned(1_800_000_000.5);
    for (let i = 0; i < 4; i++) {
      b.press();
      const t = Math.floor(b.now());
      const want = execFileSync('oathtool', ['--totp', '--now=@' + t, SEED_HEX], { encoding: 'utf8' }).trim();
      expect(b.screen![0]).toBe(want.substring(0, 3) + ' ' + want.substring(3));
      b.advance(1_000_003 + DISPLAY_MS);
    }
  });

  it('costs one HMAC (two native hashes) between the press and the screen, and none in the same step', () => {
    // 1_800_000_000 is a step boundary; PROVISION sets ...000 and provisioned() leaves the clock at ...016, dark.
    const b = provisioned(1_800_000_000.5);
    b.advance(45_000);
    expect(b.now()).toBeCloseTo(1_800_000_061, 5);
    const before = b.hashCalls;
    const draws = b.draws.length;
    b.press(1);
    expect(b.draws.length).toBe(draws + 1);
    expect(b.hashCalls - before).toBe(2);
    // Dark again at ...076, still in the step that began at ...060: the next press computes nothing.
    b.advance(DISPLAY_MS + 10);
    expect(b.screen).toBeUndefined();
    const again = b.hashCalls;
    b.press(1);
    expect(b.screen![0]).toBe(expected(SEED_HEX, b.now()));
    expect(b.hashCalls).toBe(again);
  });

  it('refreshes the code at the period boundary while shown, redrawing at most once a second, and recomputing once per step', () => {
    // 10 s before a boundary.
    const start = 1_800_000_000 - (1_800_000_000 % 30) + 20.5;
    const b = provisioned(start - DISPLAY_MS / 1000 - 1);
    b.press();
    const hashes0 = b.hashCalls;
    const first = b.draws.length - 1;
    // Keep it lit across two boundaries by pressing every 10 s.
    for (let i = 0; i < 7; i++) {
      b.advance(10_000);
      b.press(1);
    }
    const draws = b.draws.slice(first);
    const perSecond: { [s: number]: number } = {};
    for (const [ms] of draws) {
      const sec = Math.floor(b.now() - (b.mono - ms) / 1000);
      perSecond[sec] = (perSecond[sec] || 0) + 1;
    }
    expect(Math.max(...Object.values(perSecond))).toBe(1);
    expect(draws.length).toBeGreaterThanOrEqual(69);
    // Each draw shows the code of its own second.
    for (const [ms, lines] of draws) {
      const t = b.now() - (b.mono - ms) / 1000;
      expect(lines[0]).toBe(expected(SEED_HEX, t));
      expect(lines[1]).toBe((30 - (Math.floor(t) % 30)) + 's');
    }
    // 70 s from 10 s before a boundary crosses 3 boundaries: 3 HMACs (the first code was computed at the press).
    expect(b.hashCalls - hashes0).toBe(3 * 2);
  });

  it('goes dark DISPLAY_MS after the last press; a press while lit only extends it', () => {
    const b = provisioned();
    b.press(1);
    const n = b.draws.length;
    b.advance(10_000);
    b.press(1);
    b.advance(DISPLAY_MS - 500);
    expect(b.screen).toBeDefined();
    // The press while lit drew nothing by itself: only the once-a-second ticks did.
    expect(b.draws.length - n).toBeLessThanOrEqual(Math.ceil((10_000 + DISPLAY_MS) / 1000) + 1);
    b.advance(1000);
    expect(b.screen).toBeUndefined();
    // No timers left running while dark.
    expect(b.timerCount()).toBe(0);
  });
});
