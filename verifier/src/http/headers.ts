/**
 * Security headers on every response. The console loads only its own script and stylesheet, so the
 * Content-Security-Policy forbids inline scripts and styles, framing, plugins and foreign origins.
 * API responses carry codes, serials and audit rows: `Cache-Control: no-store` keeps them out of
 * every cache.
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

/** onSend hook: adds the headers, leaving the payload untouched. */
export async function securityHeaders(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  // By the route matched as well as the raw URL: the router decodes "/%61pi/..." into "/api/...".
  const api = req.url.startsWith('/api/') || (req.routeOptions.url ?? '').startsWith('/api/');
  reply.header('cache-control', api ? 'no-store' : 'no-cache');
  return payload;
}
