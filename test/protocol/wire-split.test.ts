/**
 * The streaming decoder must not care where the serial link splits its input: the same stream cut
 * at every boundary (and every pair of boundaries, and random multi-cuts) yields the same results.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, DecodeResult, encodeFrame, FrameDecoder, MAX_FRAME } from '@hwtotp/protocol';

const enc = (id: number, op: string, args: Record<string, string> = {}) => encodeFrame({ id, op, args }, crc32);

/** Frames, garbage of every kind the decoder distinguishes, and a partial frame left at the end. */
const LONG_STREAM = [
  enc(1, 'HELLO', { proto: '1' }),
  'garbage\n',
  enc(2, 'PROVISION', { serial: 'HWT-000000042', secret: '3132333435363738393031323334353637383930', alg: 'SHA1', digits: '6', period: '30', time: '1764370000' }),
  '!3 PING*00000000\n', // bad CRC
  '!!',
  '!4 PI', // cut short by the next "!"
  enc(5, 'OK', { msg: 'a b*c!d\r\n%\u00ff' }).replace('\n', '\r\n'),
  'x'.repeat(MAX_FRAME + 40) + '\n', // overlong, ended by a line end
  'y'.repeat(MAX_FRAME + 3), // overlong, ended by the next "!"
  enc(6, 'SETTIME', { time: '1764370000' }),
  '\r\n  \n',
  '!7 OK\u00e9*12345678\n',
  enc(8, 'WIPE').slice(0, -1) + '\r',
  '!9 PING*DEAD', // unfinished at the end of the stream
].join('');

const SHORT_STREAM = ['junk', enc(1, 'PING'), '!2 P', enc(3, 'OK', { a: 'b c' }), '!x\n\r', enc(4, 'WIPE').slice(0, 8)].join('');

function feed(stream: string, cuts: number[]): { results: DecodeResult[]; pending: number } {
  const d = new FrameDecoder(crc32);
  const results: DecodeResult[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    results.push(...d.push(stream.slice(at, cut)));
    expect(d.pending()).toBeLessThan(MAX_FRAME);
    at = cut;
  }
  return { results, pending: d.pending() };
}

describe('split invariance', () => {
  const whole = feed(LONG_STREAM, []);

  it('the reference stream decodes to the expected frames and errors', () => {
    expect(whole.results.map((r) => (r.frame ? r.frame.op + r.frame.id : r.error))).toEqual([
      'HELLO1',
      'BAD_FRAME',
      'PROVISION2',
      'BAD_CHECKSUM',
      'BAD_FRAME', // "!" cut by "!"
      'BAD_FRAME', // the second "!" cut by "!4"
      'BAD_FRAME', // "!4 PI" cut by "!"
      'OK5',
      'TOO_LONG',
      'TOO_LONG',
      'SETTIME6',
      'BAD_FRAME', // é
      'WIPE8',
    ]);
    expect(whole.results[7]?.frame?.args.msg).toBe('a b*c!d\r\n%\u00ff');
    expect(whole.pending).toBe('!9 PING*DEAD'.length);
  });

  it(`every single split point of a ${LONG_STREAM.length}-byte stream yields the same`, () => {
    for (let i = 0; i <= LONG_STREAM.length; i++) expect(feed(LONG_STREAM, [i]), `cut at ${i}`).toEqual(whole);
  });

  it(`every pair of split points of a ${SHORT_STREAM.length}-byte stream yields the same`, () => {
    const ref = feed(SHORT_STREAM, []);
    expect(ref.results.filter((r) => r.frame).length).toBe(2);
    let pairs = 0;
    for (let i = 0; i <= SHORT_STREAM.length; i++) {
      for (let j = i; j <= SHORT_STREAM.length; j++) {
        const got = feed(SHORT_STREAM, [i, j]);
        if (JSON.stringify(got) !== JSON.stringify(ref)) expect(got, `cuts at ${i} and ${j}`).toEqual(ref);
        pairs++;
      }
    }
    expect(pairs).toBe(((SHORT_STREAM.length + 1) * (SHORT_STREAM.length + 2)) / 2);
  });

  it('one byte at a time yields the same', () => {
    expect(feed(LONG_STREAM, Array.from({ length: LONG_STREAM.length }, (_, i) => i))).toEqual(whole);
  });

  it('random multi-splits yield the same', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: LONG_STREAM.length }), { maxLength: 60 }), (cuts) => {
        expect(feed(LONG_STREAM, cuts.sort((a, b) => a - b))).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});
