/** The HTTP API and web console of `hwtotp serve` (see README.md in this folder). */
export { buildServer, DEFAULT_BODY_LIMIT, DEFAULT_CHECK_LIMITS, type ServerOptions } from './server.ts';
export { listenHttp, isLoopback, type ListenOptions, type RunningServer } from './listen.ts';
export { resolveApiKey, keyFileFor, KeyChecker, type ApiKey } from './auth.ts';
export { RateLimiter, type BucketLimits } from './rate-limit.ts';
export { STATUS_BY_NAME, HttpError, toRefusal } from './errors.ts';
export type { HttpVerifier, SimHandle, DeviceRow } from './types.ts';
export { defaultAllowedHosts, parseAllowedHosts, ALLOWED_HOSTS_VARIABLE } from './host-check.ts';
