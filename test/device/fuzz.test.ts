/**
 * Fuzzes the token core with thousands of frames (well-formed with random ops and arguments, and raw
 * garbage, split into random chunks): every reply is a valid frame, the state never changes without a
 * button press, the token keeps answering, and the seed never appears in anything it sends.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, encodeFrame } from '@hwtotp/protocol';
import { FakeBoard } from './fake-hal';
import { call, parse, provisionArgs, SEED_HEX } from './helpers';
import { PRESENCE_MS } from '@hwtotp/device';

const OPS = ['HELLO', 'PROVISION', 'SETTIME', 'WIPE', 'PING', 'OK', 'ERR', 'WAIT', 'READ', 'DUMP', 'SEED', 'X'];
const KEYS = ['serial', 'secret', 'alg', 'digits', 'period', 't0', 'time', 'proto', 'code', 'k', 'seed'];

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('SHA1', 'SHA256', 'SHA512', '6', '8', '30', '0', '-1', '1800000000', SEED_HEX.substring(0, 10)),
  fc.integer().map(String),
  fc.stringMatching(/^[0-9a-f]{0,130}$/),
);
const frame = fc.record({
  id: fc.oneof(fc.integer({ min: 0, max: 99999999 }), fc.constant(1)),
  op: fc.constantFrom(...OPS),
  args: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }),
}).map((f) => {
  try {
    return encodeFrame(f, crc32);
  } catch {
    return '!' + f.id + ' ' + f.op + '*00000000\n';
  }
});
const garbage = fc.oneof(
  fc.string({ maxLength: 80 }).map((s) => s + '\n'),
  fc.uint8Array({ maxLength: 600 }).map((a) => String.fromCharCode(...a)),
  frame.map((f) => f.substring(0, f.length - 4) + 'ZZZ\n'),
  frame.map((f) => f.replace('!', '!!')),
);
const input = fc.array(fc.oneof(frame, frame, garbage), { minLength: 1, maxLength: 6 });

describe('fuzzing the protocol handler', () => {
  it('thousands of frames change nothing, never leak the seed, and every reply decodes', () => {
    const b = new FakeBoard().start();
    expect(call(b, 1, 'PROVISION', provisionArgs(b))[0]!.op).toBe('OK');
    const hello = () => {
      const h = call(b, 1, 'HELLO');
      expect(h).toHaveLength(1);
      const args = Object.assign({}, h[0]!.args);
      delete args.time;
      return args;
    };
    const before = hello();
    const offset0 = b.now() - b.mono / 1000;
    let frames = 0;
    fc.assert(fc.property(input, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }), (chunks, cuts) => {
      const text = chunks.join('');
      frames += chunks.length;
      // Deliver in chunks of random sizes, as USB and Bluetooth do.
      let at = 0;
      for (let i = 0; at < text.length; i++) {
        const n = cuts[i % cuts.length] as number;
        b.send(text.substring(at, at + n));
        at += n;
      }
      b.send('\n');
      // Let any presence request time out without a press.
      b.advance(PRESENCE_MS + 50);
      const out = b.take();
      for (const line of out) {
        expect(line.toLowerCase()).not.toContain(SEED_HEX);
        const f = parse(line);
        expect(['OK', 'ERR', 'WAIT']).toContain(f.op);
      }
      expect(hello()).toEqual(before);
    }), { numRuns: 1200, seed: 20261128 });
    expect(frames).toBeGreaterThan(2000);
    // The clock moved only with the simulated time, never by an unconfirmed SETTIME.
    expect(b.now() - b.mono / 1000).toBeCloseTo(offset0, 3);
  });
});
