/**
 * `hwtotp info --port DEV`: what the token says in its HELLO reply.
 * Also holds the serial-port flags and helpers the provision, settime and wipe commands share.
 */
import { checkBaud, DEFAULT_BAUD, SerialError, TokenClient, type ClientOptions, type HelloInfo, type WaitInfo } from '@hwtotp/verifier';
import { Command, Flags, Io, UsageError, intFlag, required } from '../command.ts';

/** parseArgs definitions of the serial flags. */
export const serialOptions = {
  port: { type: 'string' },
  baud: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Command['options'];

/** Client options from --baud (default 115200; Espruino's USB ignores it, a UART does not). */
export function clientOptions(flags: Flags, extra: ClientOptions = {}): ClientOptions {
  const baud = intFlag(flags, 'baud', 1, 10_000_000) ?? DEFAULT_BAUD;
  try {
    checkBaud(baud);
  } catch (e) {
    throw new UsageError(`--baud: ${(e as Error).message}`);
  }
  return { baudRate: baud, ...extra };
}

/** Connects to --port, runs fn, and always closes the port. */
export async function withToken(flags: Flags, fn: (c: TokenClient) => Promise<number>, extra: ClientOptions = {}): Promise<number> {
  const port = required(flags, 'port');
  const client = await TokenClient.connect(port, clientOptions(flags, extra));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Tells the user to press the button, once per WAIT (on stderr with --json, so stdout stays JSON). */
export function pressPrompt(io: Io, flags: Flags, what: string): (w: WaitInfo) => void {
  return (w) => (flags.json ? io.err : io.out)(
    `press the button on the token to confirm ${what} (within ${w.timeout} s; hold it 2 s to refuse)`);
}

/** Rewords the presence refusals so the user knows nothing changed. */
export function presenceError(e: unknown, what: string): unknown {
  if (e instanceof SerialError && e.wireCode === 'PRESENCE_REQUIRED') {
    return new SerialError('TokenError', `nobody pressed the button on the token in time: ${what} was not done, nothing changed`, { wireCode: e.wireCode, port: e.port });
  }
  if (e instanceof SerialError && e.wireCode === 'PRESENCE_DENIED') {
    return new SerialError('TokenError', `the button was held to refuse: ${what} was not done, nothing changed`, { wireCode: e.wireCode, port: e.port });
  }
  return e;
}

/** Human lines for a HELLO reply. */
export function describeHello(port: string, h: HelloInfo, hostSeconds: number): string[] {
  const lines = [
    `port      ${port}`,
    `board     ${h.board} (firmware ${h.fw}, protocol v${h.proto})`,
    `state     ${h.state}`,
    `serial    ${h.serial ?? '(none)'}`,
  ];
  if (h.state === 'provisioned') lines.push(`totp      ${h.alg}, ${h.digits} digits, ${h.period} s${h.t0 ? `, T0 ${h.t0}` : ''}`);
  if (h.kcv) lines.push(`kcv       ${h.kcv}`);
  if (h.clockSet) {
    const off = h.time - hostSeconds;
    lines.push(`clock     ${new Date(h.time * 1000).toISOString()} (${off === 0 ? 'in step with' : `${off > 0 ? '+' : ''}${off} s from`} this host)`);
  } else lines.push('clock     not set (run hwtotp settime)');
  lines.push(`hashes    ${h.hashes.join(', ')}`);
  return lines;
}

export const info: Command = {
  name: 'info',
  usage: 'hwtotp info --port DEV [--baud N] [--json]',
  options: { ...serialOptions },
  async run(flags, _pos, io) {
    return withToken(flags, async (c) => {
      const h = c.info;
      if (flags.json) io.out(JSON.stringify({ port: c.path, ...h }));
      else for (const l of describeHello(c.path, h, Math.floor(Date.now() / 1000))) io.out(l);
      return 0;
    });
  },
};
