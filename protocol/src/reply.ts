/**
 * Wire protocol v1 replies (see protocol/PROTOCOL.md §5-§7): builders the token uses and checkers
 * the host uses, so both ends share one definition of every reply.
 *
 * Builders return a Frame; pass it to encodeFrame with the CRC-32 function of your platform.
 * Checkers return {value} or {error} (no exceptions, as on the device) and ignore unknown keys,
 * so a later firmware may add fields without breaking an older host.
 */
import { Frame, MAX_FRAME, SAFE_CHAR } from './frame.ts';
import { HashAlgorithm, isAlgorithm } from './hash.ts';
import { isInteger } from './bytes.ts';
import { Checked, ERROR, OP, PROTOCOL_VERSION, REPLY, SERIAL_PATTERN, STATE, parseIntArg } from './messages.ts';
import { DEFAULT_PARAMS, LIMITS, MAX_TIME } from './params.ts';
import { pattern } from './lex.ts';

// Espruino's RegExp subset plus length bounds (lex.ts): these checkers compile into firmware too.
const BOARD = pattern(/^[a-z][a-z0-9]*$/, 1, 16);
const KCV = pattern(/^[0-9A-F]+$/, 6, 6);
const HASH_NAME = pattern(/^[A-Z0-9_-]+$/, 1, 16);
const ERROR_NAME = pattern(/^[A-Z][A-Z0-9_]*$/, 1, 32);
const VERSION_PART = pattern(/^[0-9]+$/, 1, 4);
const PRERELEASE = pattern(/^[0-9A-Za-z.+-]+$/, 1, 32);

/** A semver-like version: MAJOR.MINOR.PATCH of 1-4 digits each, then an optional -pre or +build of up to 32 characters. */
function isVersion(fw: string): boolean {
  let core = fw;
  const dash = fw.indexOf('-');
  const plus = fw.indexOf('+');
  const cut = dash < 0 ? plus : plus < 0 ? dash : Math.min(dash, plus);
  if (cut >= 0) {
    core = fw.substring(0, cut);
    if (!PRERELEASE.test(fw.substring(cut + 1))) return false;
  }
  const parts = core.split('.');
  return parts.length === 3 && VERSION_PART.test(parts[0] as string) && VERSION_PART.test(parts[1] as string) && VERSION_PART.test(parts[2] as string);
}

/** Arguments of a frame: key to decoded value. */
export type Args = { [key: string]: string };

/** What a HELLO reply says about the token. */
export interface HelloInfo {
  /** Protocol version the token speaks. */
  proto: number;
  /** Firmware version (semver). */
  fw: string;
  /** Board name, e.g. "pico". */
  board: string;
  /** "blank" or "provisioned". */
  state: string;
  /** Serial number, when one is set. */
  serial?: string;
  /** TOTP parameters, present when provisioned. */
  alg?: HashAlgorithm;
  digits?: number;
  period?: number;
  t0?: number;
  /** Key check value of the stored seed (kcv.ts), present when provisioned. */
  kcv?: string;
  /** Whether the token's clock was ever set by a host. */
  clockSet: boolean;
  /** The token's time in UNIX seconds (time since power-up when the clock is unset). */
  time: number;
  /** Hash algorithms the board computes natively. */
  hashes: HashAlgorithm[];
}

/** Longest prefix of `text` whose percent-encoding fits in `budget` characters. */
function fitValue(text: string, budget: number): string {
  let used = 0;
  let i = 0;
  for (; i < text.length; i++) {
    // A safe character goes as itself, any other as a 3-character escape (frame.ts).
    const n = SAFE_CHAR.test(text.charAt(i)) ? 1 : 3;
    if (used + n > budget) break;
    used += n;
  }
  return text.substring(0, i);
}

/** Characters a frame needs besides its argument values: "!", id, " OP", " k=" per key, "*", CRC, "\n". */
function overhead(id: number, op: string, keys: string[]): number {
  let n = 1 + String(id).length + 1 + op.length + 1 + 8 + 1;
  for (let i = 0; i < keys.length; i++) n += 1 + (keys[i] as string).length + 1;
  return n;
}

/** A success reply `OK k=v ...` echoing the request id. */
export function okReply(id: number, args?: Args): Frame {
  return { id: id, op: REPLY.OK, args: args || {} };
}

/**
 * An error reply `ERR code=CODE msg=TEXT`. The message is cut short if needed so the frame always
 * fits MAX_FRAME: a reply about a bad frame must never itself fail to encode.
 * Never put secret material in `msg`; it is shown to whoever holds the serial port.
 */
export function errorReply(id: number, code: string, msg?: string): Frame {
  const args: Args = { code: code };
  if (msg) args.msg = fitValue(msg, MAX_FRAME - overhead(id, REPLY.ERR, ['code', 'msg']) - code.length);
  return { id: id, op: REPLY.ERR, args: args };
}

/**
 * The longest `msg` cappedErrorReply sends: 148 characters, each escaped to 3 at worst, plus the
 * frame around them with an 8-digit id and a 32-character code (the longest ERR code a host
 * accepts), is 510 of MAX_FRAME's 512.
 */
export const CAPPED_MSG = 148;

/**
 * errorReply for the token: cuts `msg` to its first CAPPED_MSG characters instead of finding the
 * longest prefix that fits, so the frame fits MAX_FRAME whatever the message, at a fraction of the
 * bundle bytes. The token's own messages are far shorter, so none is ever cut.
 */
export function cappedErrorReply(id: number, code: string, msg: string): Frame {
  return { id: id, op: REPLY.ERR, args: { code: code, msg: msg.substring(0, CAPPED_MSG) } };
}

/** The interim reply `WAIT reason=presence timeout=S` sent before an operation that needs a button press. */
export function waitReply(id: number, timeoutSeconds: number): Frame {
  return { id: id, op: REPLY.WAIT, args: { reason: 'presence', timeout: String(timeoutSeconds) } };
}

/** The ERR reply answering a decoder error (BAD_FRAME, BAD_CHECKSUM, TOO_LONG) with the id it carries. */
export function decodeErrorReply(result: { error?: string; message?: string; id: number }): Frame {
  return errorReply(result.id, result.error || 'BAD_FRAME', result.message);
}

/**
 * What a token answers before dispatching a decoded request, or undefined when the request may be
 * dispatched: id 0 is reserved for replies to undecodable input (BAD_FRAME), and an operation v1
 * does not define is UNKNOWN_OP. Argument checks belong to each operation.
 */
export function checkRequest(frame: Frame): Frame | undefined {
  if (frame.id < 1) return errorReply(0, ERROR.BAD_FRAME, 'a request id must be 1 to 99999999');
  const ops = [OP.HELLO, OP.PROVISION, OP.SETTIME, OP.WIPE, OP.PING];
  if (ops.indexOf(frame.op) < 0) return errorReply(frame.id, ERROR.UNKNOWN_OP, 'unknown operation ' + frame.op);
  return undefined;
}

/** Arguments of a HELLO reply for `info`, in the order of the spec; optional fields only when set. */
export function helloArgs(info: HelloInfo): Args {
  const a: Args = { proto: String(info.proto), fw: info.fw, board: info.board, state: info.state };
  if (info.serial !== undefined) a.serial = info.serial;
  if (info.alg !== undefined) a.alg = info.alg;
  if (info.digits !== undefined) a.digits = String(info.digits);
  if (info.period !== undefined) a.period = String(info.period);
  if (info.t0 !== undefined) a.t0 = String(info.t0);
  if (info.kcv !== undefined) a.kcv = info.kcv;
  a.clock = info.clockSet ? 'set' : 'unset';
  a.time = String(info.time);
  a.hashes = info.hashes.join(',');
  return a;
}

/**
 * Checks the arguments of a HELLO reply. The protocol version is checked first: a host must refuse a
 * token that speaks another version, whatever else the reply holds.
 */
export function parseHello(args: Args): Checked<HelloInfo> {
  const proto = parseIntArg(args, 'proto', 1, 99999999);
  if (proto.error) return { error: proto.error };
  if (proto.value !== PROTOCOL_VERSION) {
    return { error: 'proto: the token speaks protocol ' + proto.value + ', this host speaks ' + PROTOCOL_VERSION };
  }
  const fw = args.fw;
  if (fw === undefined || !isVersion(fw)) {
    return { error: 'fw must be a version like 1.2.3' };
  }
  const board = args.board;
  if (board === undefined || !BOARD.test(board)) return { error: 'board must be 1-16 lower-case letters or digits' };
  const state = args.state;
  if (state !== STATE.BLANK && state !== STATE.PROVISIONED) return { error: 'state must be blank or provisioned' };
  const info: HelloInfo = { proto: proto.value, fw: fw, board: board, state: state, clockSet: false, time: 0, hashes: [] };
  const serial = args.serial;
  if (serial !== undefined) {
    if (!SERIAL_PATTERN.test(serial)) return { error: 'serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -' };
    info.serial = serial;
  }
  if (state === STATE.PROVISIONED) {
    if (serial === undefined) return { error: 'serial is missing from a provisioned token' };
    if (!isAlgorithm(args.alg)) return { error: 'alg must be SHA1, SHA256 or SHA512' };
    info.alg = args.alg;
    const digits = parseIntArg(args, 'digits', LIMITS.digits.min, LIMITS.digits.max);
    if (digits.error) return { error: digits.error };
    const period = parseIntArg(args, 'period', LIMITS.period.min, LIMITS.period.max);
    if (period.error) return { error: period.error };
    info.digits = digits.value;
    info.period = period.value;
    info.t0 = DEFAULT_PARAMS.t0;
    if (args.t0 !== undefined) {
      const t0 = parseIntArg(args, 't0', LIMITS.t0.min, LIMITS.t0.max);
      if (t0.error) return { error: t0.error };
      info.t0 = t0.value;
    }
    if (args.kcv !== undefined) {
      if (!KCV.test(args.kcv)) return { error: 'kcv must be 6 upper-case hex digits' };
      info.kcv = args.kcv;
    }
  }
  const clock = args.clock;
  if (clock !== 'set' && clock !== 'unset') return { error: 'clock must be set or unset' };
  info.clockSet = clock === 'set';
  const time = parseIntArg(args, 'time', 0, MAX_TIME);
  if (time.error) return { error: time.error };
  info.time = time.value as number;
  const hashes = args.hashes;
  const names = hashes === undefined ? [] : hashes.split(',');
  let namesOk = names.length >= 1 && names.length <= 16;
  for (let i = 0; i < names.length; i++) if (!HASH_NAME.test(names[i] as string)) namesOk = false;
  if (!namesOk) return { error: 'hashes must be a comma-separated list of algorithm names' };
  // Names this host does not know are skipped: a newer board may hash more than v1 can name.
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (isAlgorithm(n) && info.hashes.indexOf(n) < 0) info.hashes.push(n);
  }
  return { value: info };
}

/** The reply to a PROVISION: the key check value and the serial the token stored. */
export interface ProvisionReply { kcv: string; serial: string }

/** Checks the arguments of `OK kcv=XXXXXX serial=S` answering a PROVISION. */
export function parseProvisionReply(args: Args): Checked<ProvisionReply> {
  const k = args.kcv;
  if (k === undefined || !KCV.test(k)) return { error: 'kcv must be 6 upper-case hex digits' };
  const serial = args.serial;
  if (serial === undefined || !SERIAL_PATTERN.test(serial)) return { error: 'serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -' };
  return { value: { kcv: k, serial: serial } };
}

/** An error reply's content. */
export interface ErrorInfo { code: string; msg: string }

/** Checks the arguments of `ERR code=CODE [msg=TEXT]`; the code may be one this host does not know. */
export function parseErrorReply(args: Args): Checked<ErrorInfo> {
  const code = args.code;
  if (code === undefined || !ERROR_NAME.test(code)) return { error: 'code must be an upper-case error name' };
  return { value: { code: code, msg: args.msg || '' } };
}

/** Checks the arguments of `WAIT reason=presence timeout=S`, returning the timeout in seconds. */
export function parseWaitReply(args: Args): Checked<number> {
  if (args.reason !== 'presence') return { error: 'reason must be presence' };
  const t = parseIntArg(args, 'timeout', 1, 3600);
  if (t.error || !isInteger(t.value)) return { error: t.error || 'timeout must be an integer' };
  return { value: t.value };
}
