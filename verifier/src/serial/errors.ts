/**
 * Errors of the serial link and of the token's replies. Each has a stable `name` (the AWS-style
 * convention of the verifier), a message naming the port and the request, and `exitCode` 1 so the CLI
 * reports it as a refusal, not a crash.
 */

/** Stable names of serial-link failures. */
export type SerialErrorName =
  | 'PortNotFound'
  | 'PortBusy'
  | 'PortError'
  | 'TokenDisconnected'
  | 'TokenTimeout'
  | 'TokenError'
  | 'ProtocolMismatch'
  | 'BadReply'
  | 'ClientClosed';

/** A failure talking to a token. `wireCode` carries the token's `ERR code=` when it replied one. */
export class SerialError extends Error {
  override name: SerialErrorName;
  /** The token's error code (BAD_ARG, WRONG_STATE, PRESENCE_DENIED, ...) for TokenError. */
  wireCode?: string;
  /** The port path the failure happened on. */
  port?: string;
  /** Exit status for the CLI: 1, a refusal. */
  exitCode = 1;

  constructor(name: SerialErrorName, message: string, extra: { wireCode?: string; port?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = name;
    if (extra.wireCode !== undefined) this.wireCode = extra.wireCode;
    if (extra.port !== undefined) this.port = extra.port;
  }
}

/** Whether e is a SerialError, optionally with the given name. */
export function isSerialError(e: unknown, name?: SerialErrorName): e is SerialError {
  return e instanceof SerialError && (name === undefined || e.name === name);
}
