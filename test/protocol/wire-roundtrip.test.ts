/**
 * Wire v1 framing (protocol/PROTOCOL.md §2-§4): encode → decode round trips, encoder refusals, and
 * the edge cases a review of frame.ts turned up (CR, "*" in values, long ids, duplicate keys,
 * characters outside ASCII).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, decodeLine, decodeValue, encodeFrame, encodeValue, Frame, FrameDecoder, MAX_FRAME } from '@hwtotp/protocol';

const GRAMMAR = /^!(0|[1-9][0-9]{0,7}) [A-Z][A-Z_]{0,15}( [a-z][a-z0-9]{0,15}=([A-Za-z0-9._:/+=@,-]|%[0-9A-F]{2})*)*\*[0-9A-F]{8}\n$/;

/** A line with a correct CRC around any body text, for frames the encoder would refuse to build. */
function raw(body: string): string {
  return '!' + body + '*' + crc32(body).toString(16).toUpperCase().padStart(8, '0');
}

const byteString = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength });

const frameArb: fc.Arbitrary<Frame> = fc.record({
  id: fc.integer({ min: 0, max: 99_999_999 }),
  op: fc.stringMatching(/^[A-Z][A-Z_]{0,15}$/),
  args: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/), byteString(40)), {
    maxLength: 6,
    selector: (t) => t[0],
  }).map((pairs) => Object.fromEntries(pairs)),
});

describe('round trip', () => {
  it('any valid frame encodes to a grammatical line that decodes to the same frame, whole and streamed', () => {
    let encoded = 0;
    fc.assert(
      fc.property(frameArb, (frame) => {
        let line: string;
        try {
          line = encodeFrame(frame, crc32);
        } catch (e) {
          // The only refusal a valid frame can meet is the length limit.
          expect(e).toBeInstanceOf(RangeError);
          expect((e as Error).message).toMatch(/over the limit of 512/);
          return;
        }
        encoded++;
        expect(line.length).toBeLessThanOrEqual(MAX_FRAME);
        expect(line).toMatch(GRAMMAR);
        expect(decodeLine(line.slice(0, -1), crc32)).toEqual({ frame, id: frame.id });
        expect(new FrameDecoder(crc32).push(line)).toEqual([{ frame, id: frame.id }]);
      }),
      { numRuns: 2000 },
    );
    expect(encoded).toBeGreaterThan(1500);
  });

  it('encodeValue/decodeValue round-trip any byte string and escape exactly the unsafe bytes', () => {
    fc.assert(
      fc.property(byteString(100), (v) => {
        const e = encodeValue(v);
        expect(e).toMatch(/^([A-Za-z0-9._:/+=@,-]|%[0-9A-F]{2})*$/);
        expect(decodeValue(e)).toBe(v);
        expect(decodeValue(e.replace(/%([0-9A-F]{2})/g, (_m, h: string) => '%' + h.toLowerCase()))).toBe(v);
      }),
      { numRuns: 1000 },
    );
    expect(encodeValue('a b*c!d\n%')).toBe('a%20b%2Ac%21d%0A%25');
  });

  it('numbers are written with String() and decode as strings', () => {
    const line = encodeFrame({ id: 3, op: 'OK', args: { digits: 6 as unknown as string } }, crc32);
    expect(decodeLine(line.trimEnd(), crc32).frame?.args).toEqual({ digits: '6' });
  });

  it('a frame of exactly 512 bytes is accepted; one byte more is refused by both ends', () => {
    const base = encodeFrame({ id: 1, op: 'OK', args: { v: '' } }, crc32).length;
    const frame = { id: 1, op: 'OK', args: { v: 'x'.repeat(MAX_FRAME - base) } };
    const line = encodeFrame(frame, crc32);
    expect(line.length).toBe(MAX_FRAME);
    expect(new FrameDecoder(crc32).push(line)).toEqual([{ frame, id: 1 }]);
    expect(() => encodeFrame({ id: 1, op: 'OK', args: { v: 'x'.repeat(MAX_FRAME - base + 1) } }, crc32)).toThrow(
      /513 bytes, over the limit of 512/,
    );
    const long = raw('1 OK v=' + 'x'.repeat(MAX_FRAME - base + 1));
    expect(long.length + 1).toBe(MAX_FRAME + 1);
    expect(decodeLine(long, crc32)).toMatchObject({ error: 'TOO_LONG', id: 0 });
    expect(new FrameDecoder(crc32).push(long + '\n')).toEqual([{ error: 'TOO_LONG', message: expect.any(String), id: 0 }]);
  });
});

describe('encodeFrame refuses what it cannot send, naming the value', () => {
  const cases: [string, Frame, RegExp][] = [
    ['negative id', { id: -1, op: 'PING', args: {} }, /id .* got -1/],
    ['fractional id', { id: 1.5, op: 'PING', args: {} }, /id .* got 1\.5/],
    ['9-digit id', { id: 100_000_000, op: 'PING', args: {} }, /id .* got 100000000/],
    ['NaN id', { id: NaN, op: 'PING', args: {} }, /id .* got NaN/],
    ['string id', { id: '1' as unknown as number, op: 'PING', args: {} }, /id .* got 1/],
    ['lower-case op', { id: 1, op: 'ping', args: {} }, /op .* got "ping"/],
    ['empty op', { id: 1, op: '', args: {} }, /op .* got ""/],
    ['17-letter op', { id: 1, op: 'A'.repeat(17), args: {} }, /got "AAAAAAAAAAAAAAAAA"/],
    ['op with a digit', { id: 1, op: 'OK1', args: {} }, /got "OK1"/],
    ['upper-case key', { id: 1, op: 'OK', args: { Bad: 'x' } }, /name .* got "Bad"/],
    ['key starting with a digit', { id: 1, op: 'OK', args: { '1a': 'x' } }, /got "1a"/],
    ['17-character key', { id: 1, op: 'OK', args: { ['k'.repeat(17)]: 'x' } }, /got "kkkkkkkkkkkkkkkkk"/],
    ['undefined value', { id: 1, op: 'OK', args: { v: undefined as unknown as string } }, /argument v .* got undefined/],
    ['null value', { id: 1, op: 'OK', args: { v: null as unknown as string } }, /argument v .* got null/],
    ['infinite value', { id: 1, op: 'OK', args: { v: Infinity as unknown as string } }, /argument v .* got Infinity/],
    ['object value', { id: 1, op: 'OK', args: { v: {} as unknown as string } }, /argument v .* got \[object Object\]/],
    ['character above U+00FF', { id: 1, op: 'OK', args: { msg: 'caf\u0100' } }, /argument msg has a character above U\+00FF \(code 256\) at position 3/],
    ['overlong frame', { id: 1, op: 'OK', args: { v: '%'.repeat(200) } }, /frame OK is 6\d\d bytes, over the limit of 512/],
  ];
  for (const [name, frame, message] of cases) {
    it(name, () => {
      expect(() => encodeFrame(frame, crc32)).toThrow(RangeError);
      expect(() => encodeFrame(frame, crc32)).toThrow(message);
    });
  }
  it('encodeValue refuses characters above U+00FF instead of truncating them', () => {
    expect(() => encodeValue('\u0141')).toThrow(/code 321\) at position 0/);
  });
});

describe('decoder edge cases found in review', () => {
  const ping = raw('7 PING');
  const decode = (s: string) => new FrameDecoder(crc32).push(s);

  it('a lone "\\r" ends a line (screen sends CR for Enter), and "\\r\\n" yields one frame', () => {
    expect(decode(ping + '\r')).toEqual([{ frame: { id: 7, op: 'PING', args: {} }, id: 7 }]);
    expect(decode(ping + '\r\n')).toEqual([{ frame: { id: 7, op: 'PING', args: {} }, id: 7 }]);
    expect(decodeLine(ping + '\r', crc32).frame).toEqual({ id: 7, op: 'PING', args: {} });
  });

  it('blank lines, CRs and whitespace-only lines yield nothing', () => {
    expect(decode('\r\n\n\r\r  \t \n')).toEqual([]);
  });

  it('"*" inside a value is escaped by the encoder; a raw one is a bad frame even with a right CRC', () => {
    const line = encodeFrame({ id: 1, op: 'OK', args: { msg: 'a*b' } }, crc32);
    expect(line).toContain('msg=a%2Ab*');
    expect(decode(line)[0]?.frame?.args.msg).toBe('a*b');
    expect(decodeLine(raw('1 OK msg=a*b'), crc32)).toMatchObject({ error: 'BAD_FRAME', id: 0 });
    expect(decodeLine('!1 PING*' + raw('1 PING').slice(-8) + '*00000000', crc32)).toMatchObject({ error: 'BAD_FRAME' });
  });

  it('ids: 9 digits, leading zeros, signs and spaces are bad frames with id 0', () => {
    for (const id of ['123456789', '01', '00', '-1', '+1', '1.0', '', ' 1']) {
      expect(decodeLine(raw(id + ' PING'), crc32), id).toMatchObject({ error: 'BAD_FRAME', id: 0 });
    }
    expect(decodeLine(raw('99999999 PING'), crc32).frame?.id).toBe(99_999_999);
    expect(decodeLine(raw('0 OK'), crc32).frame?.id).toBe(0);
  });

  it('a repeated key is a bad frame naming the key, with the id the CRC vouched for', () => {
    expect(decodeLine(raw('4 SETTIME time=1 time=2'), crc32)).toEqual({ error: 'BAD_FRAME', message: 'argument time is repeated', id: 4 });
  });

  it('characters outside printable ASCII in a line are a bad frame, even with a right CRC', () => {
    for (const c of ['\u00e9', '\u00ff', '\u0100', '\t', '\u0000', '\u007f']) {
      const r = decodeLine(raw('1 OK msg=' + c), crc32);
      expect(r, JSON.stringify(c)).toMatchObject({ error: 'BAD_FRAME', id: 0 });
      expect(r.message).toBe('the character at position 10 is not allowed in a frame');
    }
  });

  it('the error names the position of a bad byte, never the byte (PROTOCOL.md §11: errors never quote input)', () => {
    for (let b = 0; b < 256; b++) {
      if (b >= 32 && b <= 126 && b !== 33) continue;
      const r = decodeLine('!' + String.fromCharCode(b) + ' PING*00000000', crc32);
      expect(r.message).toBe('the character at position 1 is not allowed in a frame');
      expect(r.message).not.toContain(String.fromCharCode(b));
    }
  });

  it('malformed escapes, double spaces, empty keys and missing "=" are bad frames', () => {
    for (const body of ['1 OK v=%4', '1 OK v=%G1', '1 OK v=%', '1  OK', '1 OK ', '1 OK =x', '1 OK v', '1', '1 ok']) {
      expect(decodeLine(raw(body), crc32), body).toMatchObject({ error: 'BAD_FRAME' });
    }
    expect(decodeLine(raw('1 OK v=%2a'), crc32).frame?.args.v).toBe('*');
  });

  it('a wrong CRC names the expected one, and a lower-case CRC is a bad frame', () => {
    const good = raw('5 PING');
    expect(decodeLine('!5 PING*00000000', crc32)).toEqual({
      error: 'BAD_CHECKSUM',
      message: 'expected CRC-32 ' + good.slice(-8),
      id: 0,
    });
    expect(good.slice(-8)).toMatch(/[A-F]/);
    expect(decodeLine('!5 PING*' + good.slice(-8).toLowerCase(), crc32).error).toBe('BAD_FRAME');
  });

  it('"!" mid-line drops the partial line, reports it once and decodes the new frame', () => {
    expect(decode('!1 PI' + ping + '\n')).toEqual([
      { error: 'BAD_FRAME', message: 'an unfinished line before "!" was dropped', id: 0 },
      { frame: { id: 7, op: 'PING', args: {} }, id: 7 },
    ]);
  });

  it('error messages never quote the input', () => {
    const secret = 'deadbeefcafebabe0123456789abcdef';
    for (const line of [raw('1 PROVISION secret=' + secret + ' x=\u00e9'), '!1 PROVISION secret=' + secret + '*00000000', secret]) {
      const r = decodeLine(line, crc32);
      expect(r.error).toBeDefined();
      expect(r.message).not.toContain('dead');
    }
  });
});
