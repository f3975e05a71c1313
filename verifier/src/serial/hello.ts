/**
 * What a token says about itself in its HELLO reply (wire protocol v1, protocol/PROTOCOL.md).
 * The checks are the protocol's own parseHello, shared with the firmware's reply builder.
 */
import { HelloInfo, parseHello } from '@hwtotp/protocol';
import { SerialError } from './errors.ts';

export type { HelloInfo };

/**
 * Reads HELLO reply arguments. Unknown arguments are ignored so a newer firmware can add some.
 * @throws SerialError BadReply naming the field when a required one is missing or malformed.
 */
export function parseHelloArgs(args: Record<string, string>, port: string): HelloInfo {
  const checked = parseHello(args);
  if (!checked.value) throw new SerialError('BadReply', `token on ${port} sent a bad HELLO reply: ${checked.error}`, { port });
  return checked.value;
}
