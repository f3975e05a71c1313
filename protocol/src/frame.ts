/**
 * Wire protocol v1 framing (spec: protocol/PROTOCOL.md §2-§4): one printable-ASCII line per frame,
 *
 *   "!" id " " OP *(" " key "=" value) "*" CRC32-hex "\n"
 *
 * The CRC-32 (crc32.ts) covers the characters between "!" and "*". Values are percent-encoded outside
 * a safe set, so "!", "*", spaces and line ends never occur inside a frame: a reader can always
 * resynchronise at the next "!" or line end, and a person can type a frame in a terminal.
 */
import { Crc32Fn } from './crc32.ts';
import { isCanonicalInt, pattern } from './lex.ts';

/** The longest frame in bytes, "!" through "\n". */
export const MAX_FRAME = 512;

/** A decoded frame. Arguments are strings; their meaning belongs to the operation (messages.ts). */
export interface Frame { id: number; op: string; args: { [key: string]: string } }

/** What the decoder yields: a frame, or an error that the receiver may answer. */
export interface DecodeResult {
  frame?: Frame;
  /** A wire error code (BAD_FRAME, BAD_CHECKSUM, TOO_LONG) when the input was not a frame. */
  error?: string;
  /** Why, in words. Fixed text and numbers only: it never quotes the input. */
  message?: string;
  /** The frame's id when its CRC checked and the id was well formed, else 0. */
  id: number;
}

/** Characters a value may carry unescaped. */
// "/" is escaped even inside the class: Espruino's lexer may end a regex literal at a bare one.
// eslint-disable-next-line no-useless-escape
export const SAFE_CHAR = /[A-Za-z0-9._:\/+=@,-]/;
// Espruino's RegExp subset plus length bounds (lex.ts).
const KEY = pattern(/^[a-z][a-z0-9]*$/, 1, 16);
const OP = pattern(/^[A-Z][A-Z_]*$/, 1, 16);
const CRC = pattern(/^[0-9A-F]+$/, 8, 8);
const ID = { test: function (s: string): boolean { return isCanonicalInt(s, 8, false); } };
const HEXDIGITS = '0123456789ABCDEF';

/** 8 upper-case hex digits of an unsigned 32-bit number. */
export function hex8(n: number): string {
  const s = (n >>> 0).toString(16).toUpperCase();
  return '00000000'.substring(0, 8 - s.length) + s;
}

/**
 * Percent-encodes without checking: a character above U+00FF yields a malformed escape that every
 * receiver refuses. encodeValue and encodeFrame check first; writeFrame's callers pass wire text.
 */
function escapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    const code = v.charCodeAt(i);
    out += SAFE_CHAR.test(c) ? c : '%' + HEXDIGITS.charAt(code >> 4) + HEXDIGITS.charAt(code & 15);
  }
  return out;
}

/** @throws RangeError naming `what` and the position of the first character above U+00FF. */
function checkLatin1(v: string, what: string): void {
  for (let i = 0; i < v.length; i++) {
    const code = v.charCodeAt(i);
    if (code > 255) throw new RangeError(what + ' has a character above U+00FF (code ' + code + ') at position ' + i);
  }
}

/**
 * Percent-encodes every character outside SAFE_CHAR as "%" and two upper-case hex digits.
 * @throws RangeError for a character above U+00FF: the wire carries bytes, and silently truncating
 * a character would change the value.
 */
export function encodeValue(v: string): string {
  checkLatin1(v, 'value');
  return escapeValue(v);
}

function hexValue(c: string): number {
  return HEXDIGITS.indexOf(c.toUpperCase());
}

/** Reverses encodeValue (escapes in either case); returns undefined for a malformed escape or an unsafe raw character. */
export function decodeValue(v: string): string | undefined {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    if (c === '%') {
      const hi = i + 2 < v.length ? hexValue(v.charAt(i + 1)) : -1;
      const lo = i + 2 < v.length ? hexValue(v.charAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) return undefined;
      out += String.fromCharCode(hi * 16 + lo);
      i += 2;
    } else if (SAFE_CHAR.test(c)) out += c;
    else return undefined;
  }
  return out;
}

/**
 * encodeFrame without its checks. The token sends only frames it builds from constants and from
 * values that arrived in checked frames, and spends no bundle bytes re-checking them; anything
 * else calls encodeFrame.
 */
export function writeFrame(frame: Frame, crc32: Crc32Fn): string {
  let body = frame.id + ' ' + frame.op;
  const keys = Object.keys(frame.args);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    body += ' ' + k + '=' + escapeValue(String(frame.args[k]));
  }
  return '!' + body + '*' + hex8(crc32(body)) + '\n';
}

const TOO_LONG_MESSAGE = 'frame longer than ' + MAX_FRAME + ' bytes';

/**
 * Encodes a frame as one line, "\n" included. Values may be strings of characters U+0000-U+00FF
 * or finite numbers (written with String()).
 * @throws RangeError naming the id, op, key or value that is invalid, or the length when the line
 * would exceed MAX_FRAME.
 */
export function encodeFrame(frame: Frame, crc32: Crc32Fn): string {
  if (typeof frame.id !== 'number' || !ID.test(String(frame.id))) {
    throw new RangeError('frame id must be 0-99999999, got ' + String(frame.id));
  }
  if (typeof frame.op !== 'string' || !OP.test(frame.op)) {
    throw new RangeError('frame op must be 1-16 of [A-Z_], a letter first, got "' + String(frame.op) + '"');
  }
  const keys = Object.keys(frame.args);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (!KEY.test(k)) throw new RangeError('frame argument name must be 1-16 of [a-z0-9], a letter first, got "' + k + '"');
    const v: unknown = frame.args[k];
    if (typeof v !== 'string' && !(typeof v === 'number' && isFinite(v))) {
      throw new RangeError('frame argument ' + k + ' must be a string or a finite number, got ' + String(v));
    }
    checkLatin1(String(v), 'frame argument ' + k);
  }
  const line = writeFrame(frame, crc32);
  if (line.length > MAX_FRAME) throw new RangeError('frame ' + frame.op + ' is ' + line.length + ' bytes, over the limit of ' + MAX_FRAME);
  return line;
}

/**
 * Decodes one line, without its "\n" (one trailing "\r" is ignored).
 * Never throws. An error carries the id 0 unless the CRC vouched for a well-formed id.
 */
export function decodeLine(line: string, crc32: Crc32Fn): DecodeResult {
  if (line.charAt(line.length - 1) === '\r') line = line.substring(0, line.length - 1);
  if (line.length + 1 > MAX_FRAME) return { error: 'TOO_LONG', message: TOO_LONG_MESSAGE, id: 0 };
  if (line.charAt(0) !== '!') return { error: 'BAD_FRAME', message: 'a frame starts with "!"', id: 0 };
  for (let i = 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code < 32 || code > 126 || code === 33) {
      // names the position only: an error never quotes the input, not even one byte (PROTOCOL.md §11)
      return { error: 'BAD_FRAME', message: 'the character at position ' + i + ' is not allowed in a frame', id: 0 };
    }
  }
  const star = line.indexOf('*');
  if (star < 0 || !CRC.test(line.substring(star + 1))) {
    return { error: 'BAD_FRAME', message: 'a frame ends with "*" and 8 hex digits of CRC-32', id: 0 };
  }
  const body = line.substring(1, star);
  const want = hex8(crc32(body));
  if (want !== line.substring(star + 1)) {
    // The id is not trusted, but the expected CRC lets a person typing in a terminal retype the line.
    return { error: 'BAD_CHECKSUM', message: 'expected CRC-32 ' + want, id: 0 };
  }
  const parts = body.split(' ');
  const idText = parts[0] as string;
  const op = parts[1];
  if (!ID.test(idText)) return { error: 'BAD_FRAME', message: 'id must be 0-99999999, no leading 0', id: 0 };
  const id = parseInt(idText, 10);
  if (op === undefined || !OP.test(op)) return { error: 'BAD_FRAME', message: 'bad operation name', id: id };
  const args: { [key: string]: string } = {};
  for (let i = 2; i < parts.length; i++) {
    const p = parts[i] as string;
    const eq = p.indexOf('=');
    const k = eq > 0 ? p.substring(0, eq) : '';
    if (!KEY.test(k)) return { error: 'BAD_FRAME', message: 'argument ' + (i - 1) + ' has a bad name', id: id };
    if (Object.prototype.hasOwnProperty.call(args, k)) return { error: 'BAD_FRAME', message: 'argument ' + k + ' is repeated', id: id };
    const v = decodeValue(p.substring(eq + 1));
    if (v === undefined) return { error: 'BAD_FRAME', message: 'argument ' + k + ' has a bad value encoding', id: id };
    args[k] = v;
  }
  return { frame: { id: id, op: op, args: args }, id: id };
}

/**
 * Streaming decoder: feed it chunks split anywhere; it returns what each chunk completed.
 *
 * - "\n" or "\r" ends a line ("\r\n" too: the empty line between them is ignored), so a frame typed
 *   in `screen`, whose Enter key sends "\r", is decoded.
 * - "!" always starts a new frame; a partial line before it is dropped and reported as BAD_FRAME.
 * - A line that grows past MAX_FRAME is dropped as it streams and reported once, as TOO_LONG, when
 *   its line ends or the next "!" arrives. The buffer never holds MAX_FRAME characters or more.
 * - Lines of only spaces and tabs are ignored.
 */
export class FrameDecoder {
  private buf = '';
  private overlong = false;
  private crc32: Crc32Fn;

  constructor(crc32: Crc32Fn) {
    this.crc32 = crc32;
  }

  /** Appends text that holds no delimiter to the line, or drops it once the line is overlong. */
  private take(text: string): void {
    if (this.overlong || text.length === 0) return;
    // The line must leave room for its "\n" within MAX_FRAME.
    if (this.buf.length + text.length > MAX_FRAME - 1) {
      this.overlong = true;
      this.buf = '';
    } else this.buf += text;
  }

  /** Adds a chunk (characters holding byte values) and returns the frames and errors it completed. */
  push(chunk: string): DecodeResult[] {
    const out: DecodeResult[] = [];
    const n = chunk.length;
    // Next position of each delimiter, refreshed only once passed: native scans, linear overall,
    // which matters on Espruino where a loop over characters is slow.
    let lf = chunk.indexOf('\n');
    let cr = chunk.indexOf('\r');
    let bang = chunk.indexOf('!');
    let i = 0;
    while (i < n) {
      if (lf >= 0 && lf < i) lf = chunk.indexOf('\n', i);
      if (cr >= 0 && cr < i) cr = chunk.indexOf('\r', i);
      if (bang >= 0 && bang < i) bang = chunk.indexOf('!', i);
      let j = n;
      if (lf >= 0 && lf < j) j = lf;
      if (cr >= 0 && cr < j) j = cr;
      if (bang >= 0 && bang < j) j = bang;
      this.take(chunk.substring(i, j));
      if (j === n) break;
      if (j === bang) {
        if (this.overlong) out.push({ error: 'TOO_LONG', message: TOO_LONG_MESSAGE, id: 0 });
        else if (/[^ \t]/.test(this.buf)) out.push({ error: 'BAD_FRAME', message: 'an unfinished line before "!" was dropped', id: 0 });
        this.overlong = false;
        this.buf = '!';
      } else {
        if (this.overlong) out.push({ error: 'TOO_LONG', message: TOO_LONG_MESSAGE, id: 0 });
        else if (/[^ \t]/.test(this.buf)) out.push(decodeLine(this.buf, this.crc32));
        this.buf = '';
        this.overlong = false;
      }
      i = j + 1;
    }
    return out;
  }

  /** How many characters of an unfinished line are held (always below MAX_FRAME). */
  pending(): number {
    return this.buf.length;
  }

  /** Drops any partial frame, as after a reconnect. */
  reset(): void {
    this.buf = '';
    this.overlong = false;
  }
}
