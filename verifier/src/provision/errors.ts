/** Refusals of the provisioning flow. Each names the port and serial and says what to do next. */

/** Stable names of provisioning refusals. */
export type ProvisionErrorName =
  | 'TokenNotBlank'
  | 'AlgorithmUnsupported'
  | 'KcvMismatch'
  | 'SerialMismatch'
  | 'PendingUnresolved'
  | 'ProvisionInterrupted'
  | 'InvalidSerial'
  | 'EntityAlreadyExists';

/** A provisioning refusal; `serial` is the token concerned when known. exitCode 1 (refused). */
export class ProvisionError extends Error {
  override name: ProvisionErrorName;
  serial?: string;
  exitCode = 1;

  constructor(name: ProvisionErrorName, message: string, extra: { serial?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = name;
    if (extra.serial !== undefined) this.serial = extra.serial;
  }
}
