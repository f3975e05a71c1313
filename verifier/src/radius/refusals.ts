/**
 * The one table from a verifier refusal to what a RADIUS client is told. The Reply-Message
 * (RFC 2865 §5.18) is a short line a VPN or SSH client can show as it is; it never carries a serial
 * or the submitted code. Keyed by every VerifierErrorName, so a new refusal does not compile until
 * it has its line here; an entry may answer with an Access-Challenge instead of a reject (for a
 * refusal that asks for another code).
 */
import type { VerifierError, VerifierErrorName } from '../errors.ts';

/** What to answer: a reject, or a challenge asking for more, with its message. */
export interface RadiusRefusal { kind: 'reject' | 'challenge'; message: string }

const reject = (message: string): RadiusRefusal => ({ kind: 'reject', message });
const SERVER_FAULT = reject('server error; try again later');

/** Refusal name → answer. Messages follow `check`'s reasons: wrong code, replay, lock, no token. */
export const RADIUS_REFUSALS: { [N in VerifierErrorName]: (e: VerifierError) => RadiusRefusal } = {
  // The code was a nearby step's (auto-resync, issue 15): ask for the token's next code.
  NextCodeRequired: () => ({ kind: 'challenge', message: 'next code required: enter the next code your token shows' }),
  InvalidAuthenticationCode: (e) => reject(e.reason === 'replay' ? 'code already used; wait for the next code' : 'wrong code'),
  EntityTemporarilyUnmodifiable: (e) => reject(`locked for ${e.retryAfter ?? 1} s after too many wrong codes`),
  NoSuchEntity: () => reject('no token'),
  TokenDisabled: () => reject('token disabled; ask an operator'),
  // A code that is not 6 to 8 digits, or not the length of the user's token, or a bad user name.
  ValidationError: () => reject('wrong code format'),
  // check never raises these three; listed so the table stays total.
  EntityAlreadyExists: () => reject('refused'),
  LimitExceeded: () => reject('refused'),
  AmbiguousMatch: () => reject('refused'),
  // The server cannot decide: a reject (not silence) so the NAS does not sit out its timeouts.
  ClockSkew: () => SERVER_FAULT,
  MasterKeyMismatch: () => SERVER_FAULT,
  MasterKeyMissing: () => SERVER_FAULT,
  CorruptRecord: () => SERVER_FAULT,
  CannotWrite: () => SERVER_FAULT,
  StoreUnavailable: () => SERVER_FAULT,
};

/** The answer for a refusal. */
export function radiusRefusal(e: VerifierError): RadiusRefusal {
  return RADIUS_REFUSALS[e.name](e);
}
