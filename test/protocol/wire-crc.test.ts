/**
 * The frame CRC is CRC-32/ISO-HDLC (IEEE 802.3: reflected polynomial 0xEDB88320, init and xorout
 * 0xFFFFFFFF) over the bytes of the text: protocol's crc32 must equal Node's zlib.crc32 on those
 * bytes (Espruino's E.CRC32 is the same function).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, encodeFrame, FrameDecoder, hex8 } from '@hwtotp/protocol';

describe('crc32', () => {
  it('matches the catalogue check value and known strings', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    expect(hex8(crc32('1 PING'))).toBe(hex8(zlibCrc32('1 PING')));
    expect(hex8(0x1a)).toBe('0000001A');
  });

  it('equals zlib.crc32 over the latin1 bytes of any string of byte-valued characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const s = String.fromCharCode(...bytes);
        expect(crc32(s)).toBe(zlibCrc32(Buffer.from(bytes)));
        expect(crc32(s)).toBe(zlibCrc32(Buffer.from(s, 'latin1')));
      }),
      { numRuns: 2000 },
    );
  });

  it('is unsigned: the high bit shows as a positive number', () => {
    const s = fc.sample(fc.string({ minLength: 1, maxLength: 20 }), { numRuns: 200, seed: 7 }).find((x) => zlibCrc32(x) >= 2 ** 31 && /^[\x20-\x7e]*$/.test(x));
    expect(s).toBeDefined();
    expect(crc32(s as string)).toBeGreaterThanOrEqual(2 ** 31);
  });

  it('a signed CRC function (as E.CRC32 can return) encodes and decodes the same frames', () => {
    const signed = (x: string) => crc32(x) | 0;
    const frame = { id: 12, op: 'OK', args: { msg: 'signed' } };
    const line = encodeFrame(frame, signed);
    expect(line).toBe(encodeFrame(frame, crc32));
    expect(new FrameDecoder(signed).push(line)).toEqual([{ frame, id: 12 }]);
    expect(fc.sample(fc.string(), { numRuns: 100, seed: 1 }).some((x) => signed(x) < 0)).toBe(true);
  });
});
