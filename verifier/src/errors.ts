/**
 * Every refusal of the verifier as one typed error with a stable AWS-style `name`
 * (verifier/README.md), the HTTP status the web layer answers with, and the CLI exit code.
 *
 * Messages are for people: they name the parameter, the user or the serial, and what to do next.
 * They never hold a seed or a submitted code (a typo'd code is one digit away from a valid one).
 */

/** The stable error names. Scripts and the HTTP API match on these, never on messages. */
export type VerifierErrorName =
  | 'InvalidAuthenticationCode'
  | 'NextCodeRequired'
  | 'AmbiguousMatch'
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'LimitExceeded'
  | 'EntityTemporarilyUnmodifiable'
  | 'ValidationError'
  | 'TokenDisabled'
  | 'ClockSkew'
  | 'MasterKeyMismatch'
  | 'MasterKeyMissing'
  | 'CorruptRecord'
  | 'CannotWrite'
  | 'StoreUnavailable';

/**
 * HTTP status per name: 4xx for the caller's mistakes, 500 for a damaged or misconfigured registry
 * (CannotWrite: the registry's file or directory is read-only for this process), 503 when the
 * registry's database cannot be reached (the request was refused and nothing written).
 */
export const HTTP_STATUS: { [N in VerifierErrorName]: number } = {
  ValidationError: 400,
  ClockSkew: 400,
  InvalidAuthenticationCode: 403,
  NextCodeRequired: 403,
  TokenDisabled: 403,
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  AmbiguousMatch: 409,
  EntityTemporarilyUnmodifiable: 423,
  MasterKeyMismatch: 500,
  MasterKeyMissing: 500,
  CorruptRecord: 500,
  CannotWrite: 500,
  StoreUnavailable: 503,
};

/** Extra facts some errors carry, for programs (never secrets). */
export interface VerifierErrorDetails {
  /** The token concerned, when there is exactly one. */
  serial?: string;
  /** For a locked token: when the lock ends (ISO 8601). */
  lockedUntil?: string;
  /** For a locked token: whole seconds until the lock ends (the HTTP Retry-After). */
  retryAfter?: number;
  /** Why a code was refused: 'wrong-code', 'replay', 'locked', ... (also written to the audit log). */
  reason?: string;
}

/** A refusal by the verifier. `name` is one of VerifierErrorName. */
export class VerifierError extends Error {
  override readonly name: VerifierErrorName;
  /** The HTTP status the web API answers with. */
  readonly httpStatus: number;
  /** The CLI exit status: every refusal is 1 (2 is reserved for usage errors). */
  readonly exitCode = 1;
  readonly serial?: string;
  readonly lockedUntil?: string;
  readonly retryAfter?: number;
  readonly reason?: string;

  constructor(name: VerifierErrorName, message: string, details: VerifierErrorDetails = {}) {
    super(message);
    this.name = name;
    this.httpStatus = HTTP_STATUS[name];
    if (details.serial !== undefined) this.serial = details.serial;
    if (details.lockedUntil !== undefined) this.lockedUntil = details.lockedUntil;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.reason !== undefined) this.reason = details.reason;
  }

  /** The body of an HTTP refusal: `{error: NAME, message, ...}` (verifier/src/http/README.md). */
  toJSON(): { error: string; message: string; serial?: string; lockedUntil?: string; retryAfter?: number } {
    const out: { error: string; message: string; serial?: string; lockedUntil?: string; retryAfter?: number } =
      { error: this.name, message: this.message };
    if (this.serial !== undefined) out.serial = this.serial;
    if (this.lockedUntil !== undefined) out.lockedUntil = this.lockedUntil;
    if (this.retryAfter !== undefined) out.retryAfter = this.retryAfter;
    return out;
  }
}

/** Whether e is a VerifierError, optionally of the given name. */
export function isVerifierError(e: unknown, name?: VerifierErrorName): e is VerifierError {
  return e instanceof VerifierError && (name === undefined || e.name === name);
}
