/**
 * Security headers on every response. The console loads only its own script and stylesheet, so the
 * Content-Security-Policy forbids inline scripts and styles, framing, plugins and foreign origins.
 * API responses carry codes, serials and audit rows: `Cache-Control: no-store` keeps them out of
 * every cache.
 *
 * One table, two users: the onSend hook below (every reply fastify sends), and the raw-socket
 * answer to a request Node refused before fastify saw it (errors.ts `clientErrorResponse`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // data: for the virtual token's screen, a PNG the server sends inside its event stream.
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The security headers, by lower-case name; `api` picks the cache policy. */
export function securityHeaderValues(api: boolean): { [name: string]: string } {
  return {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': api ? 'no-store' : 'no-cache',
  };
}

/** Whether a request is for the API (by the route matched as well as the raw URL). */
function isApi(req: FastifyRequest): boolean {
  // The router decodes "/%61pi/..." into "/api/...", so the matched route counts too.
  return req.url.startsWith('/api/') || (req.routeOptions?.url ?? '').startsWith('/api/');
}

/** Sets the headers on a reply (also used where fastify sends without running onSend hooks). */
export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  reply.headers(securityHeaderValues(isApi(req)));
}

/** onSend hook: adds the headers, leaving the payload untouched. */
export async function securityHeaders(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  applySecurityHeaders(req, reply);
  return payload;
}
