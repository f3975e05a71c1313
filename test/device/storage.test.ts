/**
 * The two alternating storage records: CRC and sequence checks, fallback from a torn or corrupt
 * record, and a power cut at every single flash step of PROVISION and WIPE, after which the token
 * boots with exactly the old state or exactly the new one.
 */
import { describe, expect, it } from 'vitest';
import * as OTPAuth from 'otpauth';
import { crc32 } from '@hwtotp/protocol';
import { FakeBoard, FakeFlash } from './fake-hal';
import { call, parse, provisionArgs, SEED_HEX } from './helpers';
import { decodeRecord, encodeRecord, loadRecord, SLOTS } from '@hwtotp/device';

const T = 1_800_000_000;

function codeFor(seedHex: string, time: number): string {
  const c = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromHex(seedHex), period: 30 }).generate({ timestamp: Math.floor(time) * 1000 });
  return c.substring(0, 3) + ' ' + c.substring(3);
}

/** What a token booted from `flash` is: HELLO without the time, and the code it shows. */
function bootState(flash: FakeFlash): { hello: { [k: string]: string }; screen: string[] } {
  const b = new FakeBoard({ time: T + 100, flash: flash }).start();
  const h = call(b, 1, 'HELLO')[0]!.args;
  delete h.time;
  return { hello: h, screen: b.screen as string[] };
}

describe('record encoding', () => {
  const board = new FakeBoard();
  const hal = board.hal;
  const rec = { q: 3, s: 'HWT-0000001', k: SEED_HEX, a: 'SHA1', d: 6, p: 30, t: 0 };

  it('round-trips with a CRC, signed or unsigned', () => {
    const data = encodeRecord(rec, crc32);
    expect(data).toMatch(/^[0-9A-F]{8}\{/);
    expect(decodeRecord(data, hal)).toEqual(rec);
    expect(encodeRecord(rec, (s) => crc32(s) | 0)).toBe(data);
  });

  it('rejects every truncation, a flipped character, bad JSON and a missing sequence', () => {
    const data = encodeRecord(rec, crc32);
    for (let n = 0; n < data.length; n++) expect(decodeRecord(data.substring(0, n), hal)).toBeUndefined();
    expect(decodeRecord(data.replace('"d":6', '"d":7'), hal)).toBeUndefined();
    expect(decodeRecord(encodeRecord({ q: 1 }, crc32).replace('}', ''), hal)).toBeUndefined();
    const noSeq = JSON.stringify({ s: 'x' });
    expect(decodeRecord((crc32(noSeq) >>> 0).toString(16).toUpperCase().padStart(8, '0') + noSeq, hal)).toBeUndefined();
    expect(decodeRecord(undefined, hal)).toBeUndefined();
  });

  it('rejects a seed for a hash this board lacks', () => {
    expect(decodeRecord(encodeRecord(Object.assign({}, rec, { a: 'SHA512' }), crc32), hal)).toBeUndefined();
  });

  it('loads the valid record with the higher sequence, and falls back when it is corrupt', () => {
    const flash = new FakeFlash();
    const b = new FakeBoard({ flash: flash });
    flash.files[SLOTS[0]!] = encodeRecord({ q: 4, s: 'OLD-0000001' }, crc32);
    flash.files[SLOTS[1]!] = encodeRecord({ q: 5, s: 'NEW-0000001' }, crc32);
    expect(loadRecord(b.hal).s).toBe('NEW-0000001');
    flash.files[SLOTS[1]!] = flash.files[SLOTS[1]!]!.substring(0, 20);
    expect(loadRecord(b.hal).s).toBe('OLD-0000001');
    delete flash.files[SLOTS[0]!];
    expect(loadRecord(b.hal)).toEqual({ q: 0 });
    b.hal.storage.read = () => { throw new Error('flash fault'); };
    expect(loadRecord(b.hal)).toEqual({ q: 0 });
  });
});

/**
 * Runs `op` on a token booted from `flash` once without a cut to count its flash steps, then once
 * per step with the power cut at that step, and checks each reboot finds the old or the new state.
 */
function everyCut(setup: () => FakeFlash, op: (b: FakeBoard) => void): { old: number; new: number } {
  const oldState = bootState(setup());
  const ref = new FakeBoard({ time: T, flash: setup() }).start();
  const s0 = ref.flash.steps;
  op(ref);
  const steps = ref.flash.steps - s0;
  expect(steps).toBeGreaterThan(2);
  const newState = bootState(ref.flash.reboot());
  expect(newState).not.toEqual(oldState);
  const seen = { old: 0, new: 0 };
  for (let k = 1; k <= steps; k++) {
    const b = new FakeBoard({ time: T, flash: setup() }).start();
    b.flash.cutAt = k;
    op(b);
    expect(b.dead).toBe(true);
    const after = bootState(b.flash.reboot());
    if (JSON.stringify(after) === JSON.stringify(oldState)) seen.old++;
    else {
      expect(after).toEqual(newState);
      seen.new++;
    }
  }
  return seen;
}

function blankFlash(): FakeFlash {
  return new FakeFlash();
}

function provisionedFlash(): FakeFlash {
  const b = new FakeBoard({ time: T }).start();
  expect(call(b, 1, 'PROVISION', provisionArgs(b))[0]!.op).toBe('OK');
  return b.flash.reboot();
}

function provision(b: FakeBoard, seedHex?: string, serial?: string): void {
  call(b, 2, 'PROVISION', provisionArgs(b, { secret: seedHex || SEED_HEX, serial: serial || 'HWT-0000001' }));
}

function wipe(b: FakeBoard): void {
  call(b, 3, 'WIPE');
  b.press();
}

describe('a power cut at every flash step', () => {
  it('during PROVISION leaves the token blank or provisioned with the new seed', () => {
    const seen = everyCut(blankFlash, (b) => provision(b));
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
  });

  it('during WIPE leaves the old seed or a blank token', () => {
    const seen = everyCut(provisionedFlash, wipe);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
    // The provisioned side of a cut still shows the right code.
    const st = bootState(provisionedFlash());
    expect(st.screen[0]).toBe(codeFor(SEED_HEX, T + 100));
  });

  it('through several generations of provision and wipe (both slots in use)', () => {
    const seeds = ['11'.repeat(20), '22'.repeat(20), '33'.repeat(32)];
    let flash = new FakeFlash();
    for (let g = 0; g < seeds.length; g++) {
      const start = flash;
      const seen = everyCut(() => start.reboot(), (b) => provision(b, seeds[g], 'GEN-000000' + g));
      expect(seen.old + seen.new).toBeGreaterThan(2);
      const b = new FakeBoard({ time: T, flash: start.reboot() }).start();
      provision(b, seeds[g], 'GEN-000000' + g);
      expect(bootState(b.flash.reboot()).screen[0]).toBe(codeFor(seeds[g]!, T + 100));
      const provisioned = b.flash.reboot();
      everyCut(() => provisioned.reboot(), wipe);
      const w = new FakeBoard({ time: T, flash: provisioned.reboot() }).start();
      wipe(w);
      expect(w.take().map(parse).pop()!.args.state).toBe('blank');
      flash = w.flash.reboot();
      expect(JSON.stringify(flash.files)).not.toContain(seeds[g]);
    }
  });
});
