/**
 * Refusals over HTTP: every error leaves the server as `{error: NAME, message}` with the status
 * the web issue lists (400 validation, 401 no/wrong key, 403 invalid code, 404 no such entity,
 * 409 already exists or limit, 413 body too large, 423 locked, 429 throttled; 500 CorruptRecord or a
 * master-key fault, by name, and InternalError for anything else). Names follow the
 * AWS IAM style that the verifier's VerifierError uses, so a client branches on `error`, never on
 * the human `message`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VerifierError } from '../errors.ts';

/** HTTP status for each refusal name. Names the verifier adds later fall back to its `httpStatus`. */
export const STATUS_BY_NAME: { readonly [name: string]: number } = {
  ValidationError: 400,
  Unauthorized: 401,
  InvalidAuthenticationCode: 403,
  NoSuchEntity: 404,
  NotFound: 404,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  EntityTemporarilyUnmodifiable: 423,
  Throttling: 429,
};

/** A refusal raised by the HTTP layer itself (auth, rate limit, validation of the request). */
export class HttpError extends Error {
  /**
   * @param name the stable refusal name sent as `error`
   * @param message a sentence a person understands, naming the field or value at fault
   * @param retryAfter seconds, sent as the Retry-After header (locks and throttling)
   */
  constructor(name: string, message: string, readonly retryAfter?: number) {
    super(message);
    this.name = name;
  }
}

/** The JSON body of every refusal. */
export interface ErrorBody {
  error: string;
  message: string;
}

interface Refusal {
  status: number;
  body: ErrorBody;
  retryAfter?: number;
}

/** Fastify's own request errors, renamed into our vocabulary. */
const FASTIFY_CODES: { [code: string]: { name: string; message: string } } = {
  FST_ERR_CTP_BODY_TOO_LARGE: { name: 'PayloadTooLarge', message: 'request body is larger than the limit' },
  FST_ERR_CTP_INVALID_JSON_BODY: { name: 'ValidationError', message: 'request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { name: 'ValidationError', message: 'request body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { name: 'UnsupportedMediaType', message: 'send the body as Content-Type: application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { name: 'ValidationError', message: 'Content-Length does not match the body' },
};

/** Maps any thrown value to the status, body and Retry-After we send. */
export function toRefusal(e: unknown, bodyLimit?: number): Refusal {
  const err = e as Partial<FastifyError> & { httpStatus?: number; retryAfter?: number; name?: string };
  const fromFastify = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (fromFastify) {
    let message = fromFastify.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && bodyLimit) message = `request body is larger than the limit of ${bodyLimit} bytes`;
    return { status: STATUS_BY_NAME[fromFastify.name]!, body: { error: fromFastify.name, message } };
  }
  const name = typeof err.name === 'string' ? err.name : '';
  const status = STATUS_BY_NAME[name] ?? (typeof err.httpStatus === 'number' ? err.httpStatus : undefined);
  if (status !== undefined && status >= 400 && status < 500) {
    const retryAfter = typeof err.retryAfter === 'number' && err.retryAfter > 0 ? Math.ceil(err.retryAfter) : undefined;
    return { status, body: { error: name, message: String(err.message ?? name) }, retryAfter };
  }
  // Any other 4xx from fastify (e.g. a bad URL encoding) is the client's fault: say so plainly.
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: 400, body: { error: 'ValidationError', message: String(err.message ?? 'bad request') } };
  }
  // A damaged or misconfigured registry (CorruptRecord, MasterKey*): the verifier's message names the
  // token and the remedy and, like all of its messages, never holds a seed or a code.
  if (e instanceof VerifierError && status !== undefined && status >= 500) {
    return { status, body: { error: name, message: e.message } };
  }
  return { status: 500, body: { error: 'InternalError', message: 'internal error; see the server log' } };
}

/** Fastify error handler: sends the refusal, logging only server faults (never request bodies). */
export function sendError(e: unknown, req: FastifyRequest, reply: FastifyReply, bodyLimit?: number): FastifyReply {
  const r = toRefusal(e, bodyLimit);
  if (r.status >= 500) req.log.error({ err: e }, 'request failed');
  if (r.retryAfter !== undefined) reply.header('retry-after', String(r.retryAfter));
  if (r.status === 401) reply.header('www-authenticate', 'Bearer realm="hwtotp"');
  return reply.code(r.status).send(r.body);
}
