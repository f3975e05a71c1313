/**
 * Refusals over HTTP: every error leaves the server as `{error: NAME, message}` with the status
 * the web issue lists (400 validation, 401 no/wrong key, 403 invalid code, 404 no such entity,
 * 409 already exists or limit, 413 body too large, 423 locked, 429 throttled; 500 CorruptRecord or a
 * master-key fault, by name, and InternalError for anything else). Names follow the
 * AWS IAM style that the verifier's VerifierError uses, so a client branches on `error`, never on
 * the human `message`.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VerifierError } from '../errors.ts';
import { applySecurityHeaders, securityHeaderValues } from './headers.ts';

/** HTTP status for each refusal name. Names the verifier adds later fall back to its `httpStatus`. */
export const STATUS_BY_NAME: { readonly [name: string]: number } = {
  ValidationError: 400,
  Unauthorized: 401,
  InvalidAuthenticationCode: 403,
  NoSuchEntity: 404,
  NotFound: 404,
  RequestTimeout: 408,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  PayloadTooLarge: 413,
  UriTooLong: 414,
  UnsupportedMediaType: 415,
  MisdirectedRequest: 421,
  EntityTemporarilyUnmodifiable: 423,
  Throttling: 429,
  HeadersTooLarge: 431,
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
  // Router errors (fastify's `frameworkErrors`): the message never quotes the URL, which may be huge.
  FST_ERR_BAD_URL: { name: 'ValidationError', message: 'the URL holds a malformed percent-escape' },
  FST_ERR_MAX_PARAM_LENGTH: { name: 'UriTooLong', message: 'a path segment is longer than the server accepts' },
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
  // Any other 4xx from fastify is the client's fault: say so plainly, without echoing the request.
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: 400, body: { error: 'ValidationError', message: 'the request is malformed' } };
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

/**
 * fastify's `frameworkErrors`: the router's own refusals (bad percent-escape, over-long path
 * parameter) are answered before any route or hook runs, so the headers are set here.
 */
export function sendFrameworkError(e: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  applySecurityHeaders(req, reply);
  return sendError(e, req, reply);
}

/** Node's parser errors we name; anything else it refuses is a plain 400. */
const CLIENT_ERRORS: { [code: string]: { name: string; message: string } } = {
  HPE_HEADER_OVERFLOW: { name: 'HeadersTooLarge', message: 'the request headers are larger than the server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { name: 'RequestTimeout', message: 'the request took too long to arrive' },
  ERR_HTTP_HEADERS_TIMEOUT: { name: 'RequestTimeout', message: 'the request headers took too long to arrive' },
  HPE_INVALID_CONTENT_LENGTH: { name: 'ValidationError', message: 'the Content-Length header is not a valid length' },
  HPE_UNEXPECTED_CONTENT_LENGTH: { name: 'ValidationError', message: 'Content-Length is repeated or conflicts with Transfer-Encoding' },
};

/**
 * The raw HTTP/1.1 answer to a request Node's parser refused before fastify saw it (fastify's
 * `clientErrorHandler`): the same `{error, message}` body and security headers as every other
 * reply, then the connection closes (the parser cannot find the next request on it).
 */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
  const name = known?.name ?? 'ValidationError';
  const status = STATUS_BY_NAME[name]!;
  const body = JSON.stringify({ error: name, message: known?.message ?? 'the request is not valid HTTP' });
  const headers = {
    ...securityHeaderValues(true),
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n' + body;
}

/** fastify's `clientErrorHandler`: answers on the socket if it can still be written. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer; a socket that already sent a reply must not get a second.
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err));
}
