/** Framing helpers for the device tests: requests in, replies out, through the protocol's own codec. */
import { crc32, decodeLine, encodeFrame, type Frame } from '@hwtotp/protocol';
import type { FakeBoard } from './fake-hal';

/** A request line. */
export function req(id: number, op: string, args?: { [k: string]: string | number }): string {
  const a: { [k: string]: string } = {};
  for (const k of Object.keys(args || {})) a[k] = String((args as { [k: string]: string | number })[k]);
  return encodeFrame({ id: id, op: op, args: a }, crc32);
}

/** Decodes a reply line, failing the test when the token sent something that is not a frame. */
export function parse(line: string): Frame {
  const r = decodeLine(line, crc32);
  if (!r.frame) throw new Error('token sent a bad frame: ' + JSON.stringify(line) + ' (' + r.message + ')');
  return r.frame;
}

/** Sends a request and returns the decoded replies it produced at once. */
export function call(board: FakeBoard, id: number, op: string, args?: { [k: string]: string | number }): Frame[] {
  board.send(req(id, op, args));
  return board.take().map(parse);
}

/** RFC 6238 appendix B seed for SHA1, as hex. */
export const SEED_HEX = '3132333435363738393031323334353637383930';
export const SERIAL = 'HWT-0000001';

/** PROVISION arguments at the board's current time. */
export function provisionArgs(board: FakeBoard, extra?: { [k: string]: string | number }): { [k: string]: string | number } {
  return Object.assign({ serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: 6, period: 30, time: Math.floor(board.now()) }, extra || {});
}
