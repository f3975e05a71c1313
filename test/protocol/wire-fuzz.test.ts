/**
 * Fuzzing the streaming decoder with 100,000+ random and mutated inputs. For every input it must:
 * never throw; yield exactly the frames an independent reference parser (regexes + zlib.crc32) finds,
 * so no frame with a bad CRC ever gets through; recover at the next frame; and keep its buffer under
 * MAX_FRAME. A seeded generator makes any failure reproducible: the message carries seed and case.
 */
import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, encodeFrame, Frame, FrameDecoder, MAX_FRAME } from '@hwtotp/protocol';
import { mulberry32 } from '../helpers/prng.ts';

const SEED = Number(process.env.WIRE_FUZZ_SEED ?? 0x5eed2026);
const CASES = 100_000;

const rng = mulberry32;

const FRAME_LINE = /^!(0|[1-9][0-9]{0,7}) ([A-Z][A-Z_]{0,15})((?: [a-z][a-z0-9]{0,15}=(?:[A-Za-z0-9._:/+=@,-]|%[0-9A-Fa-f]{2})*)*)\*([0-9A-F]{8})$/;

/**
 * The reference: split the stream the way PROTOCOL.md §4 says ("!" starts a frame, CR or LF ends a
 * line), keep the segments that are whole, short enough, grammatical, free of repeated keys and
 * whose CRC (computed by zlib over the latin1 bytes) matches.
 */
function referenceFrames(stream: string): Frame[] {
  const frames: Frame[] = [];
  const re = /![^!\r\n]*(?=[\r\n])/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(stream))) {
    const line = m[0];
    if (line.length + 1 > MAX_FRAME) continue;
    const g = FRAME_LINE.exec(line);
    if (!g) continue;
    const body = line.slice(1, line.lastIndexOf('*'));
    if (zlibCrc32(Buffer.from(body, 'latin1')).toString(16).toUpperCase().padStart(8, '0') !== g[4]) continue;
    const args: Record<string, string> = {};
    let repeated = false;
    for (const kv of (g[3] as string).split(' ').slice(1)) {
      const eq = kv.indexOf('=');
      const k = kv.slice(0, eq);
      if (k in args) repeated = true;
      args[k] = kv.slice(eq + 1).replace(/%([0-9A-Fa-f]{2})/g, (_s, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
    if (!repeated) frames.push({ id: Number(g[1]), op: g[2] as string, args });
  }
  return frames;
}

const CHARS = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));
const OPS = ['HELLO', 'PROVISION', 'SETTIME', 'WIPE', 'PING', 'OK', 'ERR', 'WAIT'];

function makeInput(r: () => number): string {
  const int = (n: number) => Math.floor(r() * n);
  const byte = () => CHARS[int(256)] as string;
  const bytes = (n: number) => {
    let out = '';
    // Four bytes per draw: generating input must not cost more than decoding it.
    for (let i = 0; i < n; i += 4) {
      const w = (r() * 4294967296) >>> 0;
      out += (CHARS[w & 255] as string) + CHARS[(w >>> 8) & 255] + CHARS[(w >>> 16) & 255] + CHARS[w >>> 24];
    }
    return out.slice(0, n);
  };
  const validFrame = () => {
    const args: Record<string, string> = {};
    const n = int(4);
    for (let i = 0; i < n; i++) args[String.fromCharCode(97 + int(26)) + int(100)] = bytes(int(24));
    return encodeFrame({ id: int(4) === 0 ? 0 : 1 + int(99_999_999), op: OPS[int(OPS.length)] as string, args }, crc32);
  };
  const mutate = (s: string): string => {
    switch (int(7)) {
      case 0: { // flip 1-3 bits
        const a = s.split('');
        for (let k = 1 + int(3); k > 0 && a.length; k--) {
          const i = int(a.length);
          a[i] = String.fromCharCode((a[i] as string).charCodeAt(0) ^ (1 << int(8)));
        }
        return a.join('');
      }
      case 1: return s.slice(0, int(s.length + 1)); // truncate
      case 2: { // duplicate a slice
        const i = int(s.length + 1), j = i + int(s.length - i + 1);
        return s.slice(0, j) + s.slice(i, j) + s.slice(j);
      }
      case 3: { // insert delimiters
        const i = int(s.length + 1);
        return s.slice(0, i) + ['!', '\n', '*', '\r', '\r\n', '%', ' ', '='][int(8)] + s.slice(i);
      }
      case 4: { // delete a slice
        const i = int(s.length + 1);
        return s.slice(0, i) + s.slice(i + 1 + int(8));
      }
      case 5: return s + 'A'.repeat(MAX_FRAME + int(600)); // overlong run
      default: { // replace one byte
        const i = int(s.length);
        return s.slice(0, i) + byte() + s.slice(i + 1);
      }
    }
  };
  let s = '';
  const parts = 1 + int(4);
  for (let p = 0; p < parts; p++) {
    const kind = int(10);
    if (kind < 3) s += bytes(int(300));
    else if (kind < 5) s += validFrame();
    else if (kind < 9) s += mutate(validFrame());
    else s += int(2) ? '!'.repeat(int(20)) : '\n'.repeat(int(5));
  }
  return s;
}

function check(decoder: FrameDecoder, input: string, r: () => number): Frame[] {
  const got: Frame[] = [];
  let at = 0;
  while (at < input.length) {
    const n = 1 + Math.floor(r() * 64);
    for (const res of decoder.push(input.slice(at, at + n))) {
      if (res.frame) got.push(res.frame);
      else if (res.error !== 'BAD_FRAME' && res.error !== 'BAD_CHECKSUM' && res.error !== 'TOO_LONG') {
        throw new Error('unexpected result ' + JSON.stringify(res));
      }
    }
    if (decoder.pending() >= MAX_FRAME) throw new Error('buffer grew to ' + decoder.pending());
    at += n;
  }
  return got;
}

describe('fuzz', () => {
  it(`${CASES} random and mutated inputs: no throw, exactly the reference frames, recovery, bounded buffer`, () => {
    const r = rng(SEED);
    let frames = 0;
    let badCrcLines = 0;
    for (let c = 0; c < CASES; c++) {
      const input = makeInput(r);
      const where = () => `seed ${SEED} case ${c}: ${JSON.stringify(input.slice(0, 200))}`;
      const decoder = new FrameDecoder(crc32);
      let got: Frame[];
      try {
        // Terminate the input so that every complete candidate line is judged.
        got = check(decoder, input + '\n', r);
      } catch (e) {
        throw new Error(`${where()}: ${(e as Error).message}`, { cause: e });
      }
      const want = referenceFrames(input + '\n');
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, where()).toEqual(want);
      frames += got.length;
      badCrcLines += (input.match(/\*[0-9A-F]{8}(?=[\r\n])/g) ?? []).length - got.length;

      // Recovery: a valid frame right after the garbage, with or without a line end, decodes.
      const probe = encodeFrame({ id: 1 + c, op: 'PING', args: {} }, crc32);
      const fresh = new FrameDecoder(crc32);
      fresh.push(input);
      const after = fresh.push(probe);
      const ok = { frame: { id: 1 + c, op: 'PING', args: {} }, id: 1 + c };
      if (after[after.length - 1]?.frame?.id !== 1 + c) expect(after[after.length - 1], `${where()}: no recovery`).toEqual(ok);
      const after2 = decoder.push('\n' + probe);
      if (after2[after2.length - 1]?.frame?.id !== 1 + c) expect(after2[after2.length - 1], `${where()}: no recovery after a line end`).toEqual(ok);
    }
    // The generator must exercise both sides: many good frames, many CRC-suffixed lines refused.
    expect(frames).toBeGreaterThan(CASES / 2);
    expect(badCrcLines).toBeGreaterThan(CASES / 10);
  }, 60_000);

  it('an endless stream with no line end keeps the buffer under MAX_FRAME and reports one TOO_LONG', () => {
    const r = rng(SEED + 1);
    const decoder = new FrameDecoder(crc32);
    // A pool of random printable chunks without "!", "\r" or "\n", sent in random order.
    const pool = Array.from({ length: 64 }, () => Array.from({ length: 4096 }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('').replace(/!/g, '#'));
    let max = 0;
    for (let sent = 0; sent < 5_000_000; sent += 4096) {
      expect(decoder.push(pool[Math.floor(r() * pool.length)] as string)).toEqual([]);
      max = Math.max(max, decoder.pending());
    }
    expect(max).toBeLessThan(MAX_FRAME);
    expect(decoder.push('\n')).toEqual([{ error: 'TOO_LONG', message: expect.any(String), id: 0 }]);
    expect(decoder.pending()).toBe(0);
    expect(decoder.push(encodeFrame({ id: 9, op: 'PING', args: {} }, crc32))).toEqual([{ frame: { id: 9, op: 'PING', args: {} }, id: 9 }]);
  });

  it('an endless stream of random bytes with "!" but no line end stays bounded too', () => {
    const r = rng(SEED + 2);
    const decoder = new FrameDecoder(crc32);
    for (let sent = 0; sent < 1_000_000; sent += 4096) {
      const s = Array.from({ length: 4096 }, () => String.fromCharCode(Math.floor(r() * 256))).join('').replace(/[\r\n]/g, '!');
      for (const res of decoder.push(s)) expect(res.frame).toBeUndefined();
      expect(decoder.pending()).toBeLessThan(MAX_FRAME);
    }
  });
});
