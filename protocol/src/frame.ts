/**
 * Wire protocol v1 framing (see protocol/PROTOCOL.md): one ASCII line per frame,
 *
 *   "!" id " " OP *(" " key "=" value) "*" CRC32-hex "\n"
 *
 * The CRC covers the bytes between "!" and "*". Values are percent-encoded outside a safe set, so
 * "!", "*", spaces and line ends never occur inside a frame and a reader can always resynchronise.
 */
import { Crc32Fn } from './crc32';

/** The longest frame in bytes, "!" through "\n". */
export const MAX_FRAME = 512;

/** A decoded frame. Arguments are strings; their meaning belongs to the operation (messages.ts). */
export interface Frame { id: number; op: string; args: { [key: string]: string } }

/** What the decoder yields: a frame, or an error that the receiver may answer. */
export interface DecodeResult {
  frame?: Frame;
  /** A wire error code (BAD_FRAME, BAD_CHECKSUM, TOO_LONG) when the input was not a frame. */
  error?: string;
  /** Why, in words. Never contains input bytes beyond a short, sanitised excerpt. */
  message?: string;
  /** The frame's id when it could be read, else 0. */
  id: number;
}

const SAFE = /^[A-Za-z0-9._:/+=@,-]$/;
const KEY = /^[a-z][a-z0-9]{0,15}$/;
const OP = /^[A-Z][A-Z_]{0,15}$/;
const ID = /^(0|[1-9][0-9]{0,7})$/;
const CRC = /^[0-9A-F]{8}$/;

function hex8(n: number): string {
  const s = (n >>> 0).toString(16).toUpperCase();
  return '00000000'.substring(0, 8 - s.length) + s;
}

/** Percent-encodes every character outside [A-Za-z0-9._:/+=@,-]. Characters must be below 256. */
export function encodeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    if (SAFE.test(c)) out += c;
    else {
      const code = v.charCodeAt(i) & 255;
      out += (code < 16 ? '%0' : '%') + code.toString(16).toUpperCase();
    }
  }
  return out;
}

/** Reverses encodeValue; returns undefined for a malformed escape or an unsafe raw character. */
export function decodeValue(v: string): string | undefined {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    if (c === '%') {
      const h = v.substring(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else if (SAFE.test(c)) out += c;
    else return undefined;
  }
  return out;
}

/**
 * Encodes a frame as one line, "\n" included.
 * @throws RangeError when the id, op or a key is invalid, or the line would exceed MAX_FRAME.
 */
export function encodeFrame(frame: Frame, crc32: Crc32Fn): string {
  if (!ID.test(String(frame.id))) throw new RangeError('frame id must be an integer from 0 to 99999999, got ' + frame.id);
  if (!OP.test(frame.op)) throw new RangeError('frame op must be 1-16 capitals, got "' + frame.op + '"');
  let body = frame.id + ' ' + frame.op;
  const keys = Object.keys(frame.args);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (!KEY.test(k)) throw new RangeError('frame argument name must be 1-16 lower-case letters or digits, got "' + k + '"');
    body += ' ' + k + '=' + encodeValue(String(frame.args[k]));
  }
  const line = '!' + body + '*' + hex8(crc32(body)) + '\n';
  if (line.length > MAX_FRAME) throw new RangeError('frame is ' + line.length + ' bytes, over the limit of ' + MAX_FRAME);
  return line;
}

/**
 * Decodes one line (without its "\n"; a trailing "\r" is ignored).
 * Never throws: a bad line comes back as an error with the id 0 unless the CRC vouched for it.
 */
export function decodeLine(line: string, crc32: Crc32Fn): DecodeResult {
  if (line.charAt(line.length - 1) === '\r') line = line.substring(0, line.length - 1);
  if (line.length + 1 > MAX_FRAME) return { error: 'TOO_LONG', message: 'frame longer than ' + MAX_FRAME + ' bytes', id: 0 };
  if (line.charAt(0) !== '!') return { error: 'BAD_FRAME', message: 'a frame starts with "!"', id: 0 };
  const star = line.lastIndexOf('*');
  if (star < 0 || !CRC.test(line.substring(star + 1))) {
    return { error: 'BAD_FRAME', message: 'a frame ends with "*" and 8 hex digits of CRC-32', id: 0 };
  }
  const body = line.substring(1, star);
  const want = hex8(crc32(body));
  if (want !== line.substring(star + 1)) {
    // The id is not trusted, but echoing the expected CRC lets a person typing in `screen` retry.
    return { error: 'BAD_CHECKSUM', message: 'CRC-32 of the body is ' + want, id: 0 };
  }
  const parts = body.split(' ');
  const idText = parts[0] as string;
  const op = parts[1];
  if (!ID.test(idText)) return { error: 'BAD_FRAME', message: 'bad frame id', id: 0 };
  const id = parseInt(idText, 10);
  if (op === undefined || !OP.test(op)) return { error: 'BAD_FRAME', message: 'bad operation name', id: id };
  const args: { [key: string]: string } = {};
  for (let i = 2; i < parts.length; i++) {
    const p = parts[i] as string;
    const eq = p.indexOf('=');
    const k = eq > 0 ? p.substring(0, eq) : '';
    const v = eq > 0 ? decodeValue(p.substring(eq + 1)) : undefined;
    if (!KEY.test(k) || v === undefined || Object.prototype.hasOwnProperty.call(args, k)) {
      return { error: 'BAD_FRAME', message: 'bad argument ' + (i - 1), id: id };
    }
    args[k] = v;
  }
  return { frame: { id: id, op: op, args: args }, id: id };
}

/**
 * Streaming decoder: feed it chunks split anywhere; it returns what each chunk completed.
 * Memory stays under MAX_FRAME bytes whatever the input: an overlong line is dropped as it streams
 * and reported once, at its end. A "!" mid-line starts a new frame, dropping the partial one.
 */
export class FrameDecoder {
  private buf = '';
  private overlong = false;
  private crc32: Crc32Fn;

  constructor(crc32: Crc32Fn) {
    this.crc32 = crc32;
  }

  /** Adds a chunk (byte-valued characters) and returns the frames and errors it completed. */
  push(chunk: string): DecodeResult[] {
    const out: DecodeResult[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charAt(i);
      if (c === '\n') {
        if (this.overlong) out.push({ error: 'TOO_LONG', message: 'frame longer than ' + MAX_FRAME + ' bytes', id: 0 });
        else if (/\S/.test(this.buf)) out.push(decodeLine(this.buf, this.crc32));
        this.buf = '';
        this.overlong = false;
      } else if (c === '!' && this.buf.length > 0 && !this.overlong) {
        if (/\S/.test(this.buf)) out.push({ error: 'BAD_FRAME', message: 'data before "!" was dropped', id: 0 });
        this.buf = c;
      } else if (!this.overlong) {
        if (this.buf.length + 1 >= MAX_FRAME) {
          this.overlong = true;
          this.buf = '';
        } else this.buf += c;
      } else if (c === '!') {
        // Recover at the next frame even inside an overlong run.
        out.push({ error: 'TOO_LONG', message: 'frame longer than ' + MAX_FRAME + ' bytes', id: 0 });
        this.overlong = false;
        this.buf = c;
      }
    }
    return out;
  }

  /** Drops any partial frame, as after a reconnect. */
  reset(): void {
    this.buf = '';
    this.overlong = false;
  }
}
