/**
 * What a sign-in check without the operator key (`serve --public-check`) may learn: accepted or
 * refused. An unknown user, a disabled token, a wrong, replayed or wrong-length code and a locked
 * token all get the one refusal below, with no serial, no lock end (no Retry-After) and no digit
 * count, so the endpoint cannot be used to find out which users have tokens or how they are set up.
 * The verifier has already written the real reason to the audit log; a caller with the key still
 * gets the detailed answer.
 */
import type { FastifyRequest } from 'fastify';
import { VerifierError } from '../errors.ts';
import { HttpError } from './errors.ts';

/** The one refusal a key-less caller sees. */
export const PUBLIC_REFUSAL = { name: 'InvalidAuthenticationCode', message: 'the sign-in was refused' } as const;

/**
 * Maps anything the verifier's check threw to what a key-less caller may see. A wrong server clock
 * (ClockSkew) says nothing about the user and stays as it is; a server fault becomes a bare
 * InternalError (its message may name a serial), logged here with the detail.
 */
export function publicRefusal(e: unknown, req: FastifyRequest): Error {
  if (e instanceof VerifierError && e.name === 'ClockSkew') return e;
  if (e instanceof VerifierError && e.httpStatus < 500) return new HttpError(PUBLIC_REFUSAL.name, PUBLIC_REFUSAL.message);
  req.log.error({ err: e }, 'public sign-in check failed');
  return new HttpError('InternalError', 'internal error; see the server log');
}
