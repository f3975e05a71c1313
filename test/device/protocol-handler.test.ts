/**
 * The token core's protocol handler against the in-memory HAL: every operation, every error code,
 * state transitions, presence (confirm, deny by hold, timeout, BUSY), and that bad input changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { crc32, fromHex, kcv, MAX_FRAME } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { FakeBoard } from './fake-hal';
import { call, parse, provisionArgs, req, SEED_HEX, SERIAL } from './helpers';
import { FW_VERSION } from '@hwtotp/device';
import { PRESENCE_MS, HOLD_MS } from '@hwtotp/device';
import { readFileSync } from 'node:fs';

function provisioned(): FakeBoard {
  const b = new FakeBoard().start();
  const r = call(b, 1, 'PROVISION', provisionArgs(b));
  expect(r[0]!.op).toBe('OK');
  return b;
}

function hello(b: FakeBoard): { [k: string]: string } {
  const r = call(b, 77, 'HELLO');
  expect(r).toHaveLength(1);
  expect(r[0]!.op).toBe('OK');
  expect(r[0]!.id).toBe(77);
  return r[0]!.args;
}

/** HELLO without the time field, which moves. */
function stateOf(b: FakeBoard): { [k: string]: string } {
  const h = hello(b);
  delete h.time;
  return h;
}

describe('HELLO and PING', () => {
  it('a blank token reports its board, state, unset clock and hashes, and no TOTP parameters', () => {
    const b = new FakeBoard({ time: 1000 }).start();
    const h = hello(b);
    expect(h).toEqual({ proto: '1', fw: FW_VERSION, board: 'pico', state: 'blank', clock: 'unset', time: '1000', hashes: 'SHA1,SHA256' });
  });

  it('a blank token whose clock reads a plausible time still says unset until a host sets it', () => {
    const b = new FakeBoard().start();
    expect(hello(b).clock).toBe('unset');
    expect(call(b, 2, 'SETTIME', { time: 1_800_000_100 })[0]!.args).toEqual({ time: '1800000100' });
    expect(hello(b).clock).toBe('set');
  });

  it('fw equals device/package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../device/package.json', import.meta.url), 'utf8'));
    expect(FW_VERSION).toBe(pkg.version);
  });

  it('PING answers OK with the request id', () => {
    const b = new FakeBoard().start();
    const r = call(b, 99999999, 'PING');
    expect(r).toEqual([{ id: 99999999, op: 'OK', args: {} }]);
  });

  it('accepts proto=1 and refuses a version it does not speak, naming its own (PROTOCOL.md §7.1)', () => {
    const b = new FakeBoard().start();
    expect(call(b, 3, 'HELLO', { proto: 1 })[0]!.args.proto).toBe('1');
    expect(call(b, 4, 'HELLO', { proto: 2 })[0]).toEqual({ id: 4, op: 'ERR', args: { code: 'BAD_ARG', msg: 'this token speaks proto 1' } });
  });
});

describe('PROVISION', () => {
  it('provisions a blank token, sets its clock and replies with the KCV and serial, never the seed', () => {
    const b = new FakeBoard({ time: 5 }).start();
    const r = call(b, 4, 'PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: 6, period: 30, time: 1_800_000_000 });
    expect(r).toEqual([{ id: 4, op: 'OK', args: { kcv: kcv(nobleHmac, 'SHA1', fromHex(SEED_HEX)), serial: SERIAL } }]);
    expect(Math.floor(b.now())).toBe(1_800_000_000);
    const h = hello(b);
    expect(h).toMatchObject({ state: 'provisioned', serial: SERIAL, alg: 'SHA1', digits: '6', period: '30', t0: '0', clock: 'set' });
    // The KCV (public) lets a host finish an interrupted provisioning; the seed itself never leaves.
    expect(h.kcv).toBe(kcv(nobleHmac, 'SHA1', fromHex(SEED_HEX)));
    expect(JSON.stringify(h)).not.toContain(SEED_HEX);
  });

  it('a screen lit when PROVISION arrives shows the new state at once, not at its next tick', () => {
    const b = new FakeBoard({ time: 5 }).start();
    b.press();
    expect(b.screen!.join(' ')).toContain('NOT PROVISIONED');
    call(b, 4, 'PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: 6, period: 30, time: 1_800_000_000 });
    expect(b.screen!.join(' ')).not.toContain('NOT PROVISIONED');
    expect(b.screen!.join(' ')).toMatch(/\d{3} \d{3}/);
  });

  it('takes SHA256, 8 digits, another period and t0', () => {
    const b = new FakeBoard().start();
    const secret = 'ab'.repeat(32);
    const r = call(b, 5, 'PROVISION', provisionArgs(b, { secret: secret, alg: 'SHA256', digits: 8, period: 60, t0: 100 }));
    expect(r[0]!.args.kcv).toBe(kcv(nobleHmac, 'SHA256', fromHex(secret)));
    expect(hello(b)).toMatchObject({ alg: 'SHA256', digits: '8', period: '60', t0: '100' });
  });

  it('refuses an algorithm the board lacks, naming it and the board, and stays blank', () => {
    const b = new FakeBoard().start();
    const r = call(b, 6, 'PROVISION', provisionArgs(b, { alg: 'SHA512' }));
    expect(r[0]).toEqual({ id: 6, op: 'ERR', args: { code: 'BAD_ARG', msg: 'SHA512 is not available on pico' } });
    expect(hello(b).state).toBe('blank');
    expect(Object.keys(b.flash.files)).toHaveLength(0);
  });

  it('names the board it runs on', () => {
    const b = new FakeBoard({ board: 'banglejs2', hashes: ['SHA1'] }).start();
    expect(call(b, 6, 'PROVISION', provisionArgs(b, { alg: 'SHA256' }))[0]!.args.msg).toBe('SHA256 is not available on banglejs2');
  });

  const bad: [string, { [k: string]: string | number | undefined }, RegExp][] = [
    ['missing serial', { serial: undefined }, /serial/],
    ['short serial', { serial: 'ABC' }, /serial/],
    ['odd secret', { secret: 'abc' }, /secret/],
    ['short secret', { secret: 'ab'.repeat(15) }, /secret/],
    ['long secret', { secret: 'ab'.repeat(65) }, /secret/],
    ['unknown alg', { alg: 'MD5' }, /alg/],
    ['5 digits', { digits: 5 }, /digits/],
    ['9 digits', { digits: 9 }, /digits/],
    ['period 0', { period: 0 }, /period/],
    ['time before 2020', { time: 1_000_000 }, /time/],
    ['missing time', { time: undefined }, /time/],
  ];
  for (const [name, change, msg] of bad) {
    it('refuses ' + name + ' with BAD_ARG and changes nothing', () => {
      const b = new FakeBoard().start();
      const args = provisionArgs(b, {}) as { [k: string]: string | number | undefined };
      for (const k of Object.keys(change)) {
        if (change[k] === undefined) delete args[k];
        else args[k] = change[k];
      }
      const before = stateOf(b);
      const r = call(b, 7, 'PROVISION', args as { [k: string]: string | number });
      expect(r[0]!.op).toBe('ERR');
      expect(r[0]!.args.code).toBe('BAD_ARG');
      expect(r[0]!.args.msg).toMatch(msg);
      expect(r[0]!.args.msg).not.toContain('ab'.repeat(15));
      expect(stateOf(b)).toEqual(before);
      expect(Object.keys(b.flash.files)).toHaveLength(0);
    });
  }

  it('refuses a second PROVISION with WRONG_STATE and keeps the first seed', () => {
    const b = provisioned();
    const before = stateOf(b);
    const r = call(b, 8, 'PROVISION', provisionArgs(b, { serial: 'OTHER-0001', secret: 'cd'.repeat(20) }));
    expect(r[0]!.args.code).toBe('WRONG_STATE');
    expect(stateOf(b)).toEqual(before);
  });

  it('answers STORAGE when the flash write fails, and stays blank with its clock untouched', () => {
    const b = new FakeBoard({ time: 5 }).start();
    b.flash.failWrites = true;
    const r = call(b, 9, 'PROVISION', provisionArgs(b, { time: 1_800_000_000 }));
    expect(r[0]!.args.code).toBe('STORAGE');
    expect(hello(b)).toMatchObject({ state: 'blank', clock: 'unset' });
    expect(b.now()).toBeLessThan(10);
  });

  it('answers STORAGE when the record does not read back as written', () => {
    const b = new FakeBoard().start();
    b.flash.write = (name: string, data: string) => { b.flash.files[name] = data.substring(1); return true; };
    expect(call(b, 9, 'PROVISION', provisionArgs(b))[0]!.args.code).toBe('STORAGE');
    expect(hello(b).state).toBe('blank');
  });
});

describe('SETTIME', () => {
  it('sets a blank token at once', () => {
    const b = new FakeBoard({ time: 3 }).start();
    expect(call(b, 10, 'SETTIME', { time: 1_900_000_000 })).toEqual([{ id: 10, op: 'OK', args: { time: '1900000000' } }]);
    expect(Math.floor(b.now())).toBe(1_900_000_000);
  });

  it('refuses a missing or implausible time with BAD_ARG', () => {
    const b = new FakeBoard({ time: 3 }).start();
    expect(call(b, 11, 'SETTIME')[0]!.args.code).toBe('BAD_ARG');
    expect(call(b, 12, 'SETTIME', { time: 'soon' })[0]!.args.code).toBe('BAD_ARG');
    expect(call(b, 13, 'SETTIME', { time: 5_000_000_000 })[0]!.args.code).toBe('BAD_ARG');
    expect(b.now()).toBeLessThan(10);
  });

  it('needs presence once provisioned: WAIT, prompt, press, then OK with the wait added', () => {
    const b = provisioned();
    const r = call(b, 14, 'SETTIME', { time: 1_900_000_000 });
    expect(r).toEqual([{ id: 14, op: 'WAIT', args: { reason: 'presence', timeout: String(PRESENCE_MS / 1000) } }]);
    expect(b.screen).toEqual(['PRESS TO CONFIRM', 'SET TIME', '10s']);
    b.advance(3000);
    // Asked at x.25 s, so 10.25 s to go; the last tick, just after x+3 s, rounds 7.245 s up.
    expect(b.screen![2]).toBe('8s');
    expect(Math.floor(b.now())).toBeLessThan(1_900_000_000);
    b.press(200);
    const done = b.take().map(parse);
    expect(done).toHaveLength(1);
    expect(done[0]!.op).toBe('OK');
    expect(done[0]!.id).toBe(14);
    // The host's time was current when it asked; about 3 s passed before the press.
    expect(Number(done[0]!.args.time)).toBe(1_900_000_003);
    expect(Math.floor(b.now())).toBe(1_900_000_003);
    expect(b.screen![0]).toMatch(/^\d{3} \d{3}$/);
  });

  it('a hold of 2 s refuses it with PRESENCE_DENIED and the clock stays', () => {
    const b = provisioned();
    call(b, 15, 'SETTIME', { time: 1_900_000_000 });
    b.press(HOLD_MS + 100);
    const r = b.take().map(parse);
    expect(r).toEqual([{ id: 15, op: 'ERR', args: { code: 'PRESENCE_DENIED', msg: expect.any(String) } }]);
    expect(b.now()).toBeLessThan(1_850_000_000);
  });

  it('no press within the timeout answers PRESENCE_REQUIRED and the clock stays', () => {
    const b = provisioned();
    call(b, 16, 'SETTIME', { time: 1_900_000_000 });
    b.advance(PRESENCE_MS - 100);
    expect(b.take()).toEqual([]);
    b.advance(200);
    expect(b.take().map(parse)).toEqual([{ id: 16, op: 'ERR', args: { code: 'PRESENCE_REQUIRED', msg: expect.any(String) } }]);
    expect(b.now()).toBeLessThan(1_850_000_000);
    // The prompt is gone and the token serves again.
    expect(b.screen![0]).not.toBe('PRESS TO CONFIRM');
    expect(call(b, 17, 'PING')[0]!.op).toBe('OK');
  });

  it('a press that began before the request does not confirm it', () => {
    const b = provisioned();
    b.press(10);
    b.take();
    // Button goes down, then the request arrives, then the button comes up.
    (b as any).guard(() => (b as any).onButton(true));
    call(b, 18, 'SETTIME', { time: 1_900_000_000 });
    (b as any).guard(() => (b as any).onButton(false));
    expect(b.take()).toEqual([]);
    b.press(100);
    expect(b.take().map(parse)[0]!.op).toBe('OK');
  });
});

describe('WIPE', () => {
  it('needs presence and then erases seed, serial and parameters, leaving no seed in flash', () => {
    const b = provisioned();
    const r = call(b, 20, 'WIPE');
    expect(r[0]!.op).toBe('WAIT');
    expect(b.screen).toEqual(['PRESS TO CONFIRM', 'WIPE', '10s']);
    b.press();
    expect(b.take().map(parse)).toEqual([{ id: 20, op: 'OK', args: { state: 'blank' } }]);
    const h = hello(b);
    expect(h.state).toBe('blank');
    expect(h.serial).toBeUndefined();
    expect(h.alg).toBeUndefined();
    expect(JSON.stringify(b.flash.files)).not.toContain(SEED_HEX);
    expect(b.screen).toEqual(['NOT PROVISIONED']);
    // Blank again: it can be provisioned anew.
    expect(call(b, 21, 'PROVISION', provisionArgs(b, { serial: 'HWT-0000002' }))[0]!.op).toBe('OK');
    expect(hello(b).serial).toBe('HWT-0000002');
  });

  it('a token booted provisioned keeps reporting its clock as set once wiped', () => {
    const first = provisioned();
    const b = new FakeBoard({ flash: first.flash.reboot() }).start();
    call(b, 19, 'WIPE');
    b.press();
    expect(b.take().map(parse)[0]!.args.state).toBe('blank');
    expect(hello(b).clock).toBe('set');
  });

  it('needs presence on a blank token too', () => {
    const b = new FakeBoard().start();
    expect(call(b, 22, 'WIPE')[0]!.op).toBe('WAIT');
    b.advance(PRESENCE_MS + 10);
    expect(b.take().map(parse)[0]!.args.code).toBe('PRESENCE_REQUIRED');
  });

  it('denied or timed out, the token keeps its seed', () => {
    const b = provisioned();
    const before = stateOf(b);
    call(b, 23, 'WIPE');
    b.press(2500);
    expect(b.take().map(parse)[0]!.args.code).toBe('PRESENCE_DENIED');
    call(b, 24, 'WIPE');
    b.advance(PRESENCE_MS + 10);
    expect(b.take().map(parse)[0]!.args.code).toBe('PRESENCE_REQUIRED');
    expect(stateOf(b)).toEqual(before);
  });

  it('answers STORAGE when the flash fails after the press, keeping the seed', () => {
    const b = provisioned();
    const before = stateOf(b);
    call(b, 25, 'WIPE');
    b.flash.failWrites = true;
    b.press();
    expect(b.take().map(parse)[0]!.args.code).toBe('STORAGE');
    expect(stateOf(b)).toEqual(before);
  });

  it('answers BUSY to every request while it waits, with that request id', () => {
    const b = provisioned();
    call(b, 26, 'WIPE');
    for (const [id, op] of [[27, 'HELLO'], [28, 'PING'], [29, 'WIPE'], [30, 'SETTIME'], [31, 'PROVISION']] as [number, string][]) {
      expect(call(b, id, op, op === 'SETTIME' ? { time: 1_900_000_000 } : {})).toEqual([{ id: id, op: 'ERR', args: { code: 'BUSY', msg: expect.any(String) } }]);
    }
    b.press();
    expect(b.take().map(parse)).toEqual([{ id: 26, op: 'OK', args: { state: 'blank' } }]);
  });
});

describe('a display fault', () => {
  it('does not stop the protocol, presence or the ticks', () => {
    const b = new FakeBoard().start();
    let shows = 0;
    b.hal.show = () => {
      shows++;
      throw new Error('I2C timeout');
    };
    expect(call(b, 50, 'PROVISION', provisionArgs(b))[0]!.op).toBe('OK');
    b.press();
    b.advance(3000);
    expect(shows).toBeGreaterThanOrEqual(3);
    expect(call(b, 51, 'WIPE')[0]!.op).toBe('WAIT');
    b.press();
    expect(b.take().map(parse)).toEqual([{ id: 51, op: 'OK', args: { state: 'blank' } }]);
    expect(call(b, 52, 'HELLO')[0]!.args.state).toBe('blank');
  });
});

describe('errors on the link', () => {
  it('answers an unknown operation with UNKNOWN_OP and its id', () => {
    const b = new FakeBoard().start();
    expect(call(b, 40, 'READSEED')[0]).toEqual({ id: 40, op: 'ERR', args: { code: 'UNKNOWN_OP', msg: 'unknown op READSEED' } });
    expect(call(b, 41, 'OK')[0]!.args.code).toBe('UNKNOWN_OP');
  });

  it('answers garbage with BAD_FRAME and id 0', () => {
    const b = new FakeBoard().start();
    b.send('hello there\n');
    const r = b.take().map(parse);
    expect(r).toEqual([{ id: 0, op: 'ERR', args: { code: 'BAD_FRAME', msg: expect.any(String) } }]);
  });

  it('answers a bad checksum with BAD_CHECKSUM and id 0', () => {
    const b = new FakeBoard().start();
    b.send(req(42, 'PING').replace(/\*[0-9A-F]{8}/, '*00000000'));
    expect(b.take().map(parse)).toEqual([{ id: 0, op: 'ERR', args: { code: 'BAD_CHECKSUM', msg: expect.any(String) } }]);
  });

  it('answers an overlong line with TOO_LONG and id 0, and serves the next frame', () => {
    const b = new FakeBoard().start();
    b.send('!' + 'A'.repeat(MAX_FRAME * 3) + '\n' + req(43, 'PING'));
    const r = b.take().map(parse);
    expect(r[0]).toEqual({ id: 0, op: 'ERR', args: { code: 'TOO_LONG', msg: expect.any(String) } });
    expect(r[1]).toEqual({ id: 43, op: 'OK', args: {} });
  });

  it('refuses the reserved request id 0 with BAD_FRAME', () => {
    const b = new FakeBoard().start();
    expect(call(b, 0, 'PING')[0]).toEqual({ id: 0, op: 'ERR', args: { code: 'BAD_FRAME', msg: expect.any(String) } });
  });

  it('decodes frames split into single characters', () => {
    const b = new FakeBoard().start();
    for (const c of req(44, 'PING') + req(45, 'HELLO')) b.send(c);
    expect(b.take().map(parse).map((f) => f.id)).toEqual([44, 45]);
  });

  it('every reply line carries a valid CRC-32', () => {
    const b = provisioned();
    b.send('x\n' + req(46, 'HELLO') + req(47, 'NOPE'));
    for (const line of b.take()) {
      const body = line.substring(1, line.indexOf('*'));
      expect(line.substring(line.indexOf('*') + 1)).toBe((crc32(body) >>> 0).toString(16).toUpperCase().padStart(8, '0'));
    }
  });
});
