/**
 * What a token says about itself in its HELLO reply (wire protocol v1, protocol/PROTOCOL.md):
 * `OK proto=1 fw= board= state= [serial=] [alg= digits= period=] clock= time= hashes=`.
 */
import { SerialError } from './errors.ts';

/** A parsed HELLO reply. */
export interface HelloInfo {
  proto: number;
  fw: string;
  board: string;
  state: 'blank' | 'provisioned';
  serial?: string;
  alg?: string;
  digits?: number;
  period?: number;
  clock: 'set' | 'unset';
  /** The token's clock, UNIX seconds, when it reported one. */
  time?: number;
  /** Hash algorithms the board computes natively. */
  hashes: string[];
  /** The key check value, if the firmware reports it once provisioned. */
  kcv?: string;
}

function int(args: Record<string, string>, name: string, port: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(v)) throw new SerialError('BadReply', `token on ${port} sent a HELLO reply with a bad ${name}: "${v.slice(0, 20)}"`, { port });
  return Number(v);
}

/**
 * Reads HELLO reply arguments. Unknown arguments are ignored so a newer firmware can add some.
 * @throws SerialError BadReply naming the field when a required one is missing or malformed.
 */
export function parseHelloArgs(args: Record<string, string>, port: string): HelloInfo {
  const proto = int(args, 'proto', port);
  if (proto === undefined) throw new SerialError('BadReply', `token on ${port} sent a HELLO reply without proto`, { port });
  const state = args.state;
  if (state !== 'blank' && state !== 'provisioned') {
    throw new SerialError('BadReply', `token on ${port} reported an unknown state "${String(state).slice(0, 20)}"`, { port });
  }
  const info: HelloInfo = {
    proto,
    fw: args.fw ?? '',
    board: args.board ?? '',
    state,
    clock: args.clock === 'set' ? 'set' : 'unset',
    hashes: (args.hashes ?? '').split(',').filter((h) => h !== ''),
  };
  if (args.serial !== undefined && args.serial !== '') info.serial = args.serial;
  if (args.alg !== undefined) info.alg = args.alg;
  const digits = int(args, 'digits', port);
  if (digits !== undefined) info.digits = digits;
  const period = int(args, 'period', port);
  if (period !== undefined) info.period = period;
  const time = int(args, 'time', port);
  if (time !== undefined) info.time = time;
  if (args.kcv !== undefined) info.kcv = args.kcv.toUpperCase();
  return info;
}
