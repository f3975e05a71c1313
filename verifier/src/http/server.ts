/**
 * `hwtotp serve`: the HTTP JSON API over the verifier, and the web console, in one fastify app.
 *
 * Why fastify 5 (over hono, or bare node:http): it brings what this server must have without
 * plugins or glue: a body size limit enforced while reading the stream (413 before the body is
 * buffered), a JSON parser that refuses prototype-poisoning keys, typed hooks to put the key
 * check before body parsing and the security headers on every reply, and a JSON schema
 * serializer; it runs on node:http directly, so the bench measures our code, not an adapter,
 * and it is among the fastest Node frameworks in requests per second. Request bodies are checked
 * with zod (schemas.ts) for messages that name the field.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { KeyChecker } from './auth.ts';
import { HttpError, handleClientError, sendError, sendFrameworkError } from './errors.ts';
import { securityHeaders } from './headers.ts';
import { makeHostCheck } from './host-check.ts';
import { RateLimiter, type BucketLimits } from './rate-limit.ts';
import { registerConsole } from './console.ts';
import { registerMfaRoutes } from './routes-mfa.ts';
import { registerOperatorRoutes } from './routes-operator.ts';
import { registerSimRoutes } from './routes-sim.ts';
import type { HttpVerifier, SimHandle } from './types.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `none`: no operator key needed (console files, /api/config, a public check). Default: key. */
    auth?: 'key' | 'none';
  }
}

/** Default largest request body: every API body is a few hundred bytes. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/** Default sign-in check limits: a person signs in a few times a minute, an app server for many. */
export const DEFAULT_CHECK_LIMITS = {
  perUser: { capacity: 10, perSecond: 12 / 60 },
  perAddress: { capacity: 200, perSecond: 100 },
} as const;

export interface ServerOptions {
  verifier: HttpVerifier;
  /** The operator key every /api call but /api/config (and a public check) must present. */
  apiKey: string;
  /** Let the sign-in check through without the key (`serve --public-check`). */
  publicCheck?: boolean;
  /** A simulated token to show on the Virtual token page (`npm start`). */
  sim?: SimHandle;
  bodyLimit?: number;
  checkLimits?: { perUser?: BucketLimits; perAddress?: BucketLimits };
  /**
   * Host names and addresses the Host header may name (host-check.ts); a request naming any other
   * is refused with 421. Undefined: no check (in-process use; listenHttp always sets it).
   */
  allowedHosts?: readonly string[];
  /** Clock in milliseconds for the rate limiters. */
  now?: () => number;
  /** fastify's logger option; off by default (the verifier keeps the audit log). */
  logger?: boolean | { level: string };
}

/** Builds the app (not yet listening): `await app.listen({host, port})` or `app.inject()`. */
export function buildServer(o: ServerOptions): FastifyInstance {
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    bodyLimit,
    logger: o.logger ?? false,
    // Console pages poll over keep-alive: close those too on shutdown so Ctrl-C is immediate.
    forceCloseConnections: true,
    requestTimeout: 30_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Refusals raised before any hook runs still leave as {error, message} with the security headers.
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: handleClientError,
  });
  const keys = new KeyChecker(o.apiKey);
  const now = o.now ?? Date.now;
  const limits = {
    perUser: new RateLimiter(o.checkLimits?.perUser ?? DEFAULT_CHECK_LIMITS.perUser, now),
    perAddress: new RateLimiter(o.checkLimits?.perAddress ?? DEFAULT_CHECK_LIMITS.perAddress, now),
  };

  app.setErrorHandler((e, req, reply) => sendError(e, req, reply, bodyLimit));
  app.setNotFoundHandler((req, reply) =>
    sendError(new HttpError('NotFound', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`), req, reply));
  app.addHook('onSend', securityHeaders);
  // First of all hooks, on every route and on 404s: a rebinding page learns nothing, not even the console.
  if (o.allowedHosts) {
    const hostCheck = makeHostCheck(o.allowedHosts);
    app.addHook('onRequest', async (req) => hostCheck(req.headers.host));
  }
  // Before the body is read: an unauthenticated caller gets nothing parsed on its behalf.
  // Decided by the route matched, never by the raw URL: the router decodes percent-escapes, so
  // "/%61pi/mfa/devices" reaches the /api/mfa/devices handler while its req.url does not start
  // with "/api/". Every route needs the key unless it says otherwise; no route, no data: 404.
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === undefined || req.routeOptions.config?.auth === 'none') return;
    if (!keys.matches(req.headers.authorization)) {
      throw new HttpError('Unauthorized', req.headers.authorization
        ? 'the API key is wrong; send Authorization: Bearer <operator key>'
        : 'this endpoint needs the operator API key; send Authorization: Bearer <key>');
    }
  });

  app.get('/api/config', { config: { auth: 'none' } }, async () => ({
    simulator: o.sim !== undefined,
    publicCheck: !!o.publicCheck,
  }));
  registerMfaRoutes(app, o.verifier, limits, !!o.publicCheck, keys);
  registerOperatorRoutes(app, o.verifier);
  if (o.sim) registerSimRoutes(app, o.sim);
  registerConsole(app);
  return app;
}
