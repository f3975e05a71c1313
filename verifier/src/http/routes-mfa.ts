/**
 * The MFA endpoints of `serve` (verifier/src/http/README.md): enable, check (sign-in), resync, deactivate.
 * Each validates its body, then calls the verifier; refusals propagate as thrown VerifierErrors and
 * errors.ts turns them into `{error, message}` with their status.
 */
import type { FastifyInstance } from 'fastify';
import { CheckBody, DeactivateBody, EnableBody, ResyncBody, parse } from './schemas.ts';
import { HttpError } from './errors.ts';
import type { HttpVerifier } from './types.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { KeyChecker } from './auth.ts';
import { publicRefusal } from './public-check.ts';

/** Limiters applied to sign-in checks. */
export interface CheckLimiters {
  perUser: RateLimiter;
  perAddress: RateLimiter;
}

/** Registers POST /api/mfa/{enable,check,resync,deactivate}. */
export function registerMfaRoutes(app: FastifyInstance, v: HttpVerifier, limits: CheckLimiters, publicCheck: boolean, keys: KeyChecker): void {
  app.post('/api/mfa/enable', async (req) => {
    const b = parse(EnableBody, req.body, 'body');
    const r = await v.enable(b.user, b.deviceName, b.serial, b.code1, b.code2);
    return { serial: r.serial, enableDate: r.enableDate };
  });

  app.post('/api/mfa/check', { config: { auth: publicCheck ? 'none' : 'key' } }, async (req) => {
    // The address bucket first: it needs no body, and a flood stops before any parsing.
    const byAddress = limits.perAddress.take(req.ip);
    if (!byAddress.ok) throw new HttpError('Throttling', `too many sign-in checks from ${req.ip}; retry in ${byAddress.retryAfter} s`, byAddress.retryAfter);
    const b = parse(CheckBody, req.body, 'body');
    const byUser = limits.perUser.take(b.user);
    if (!byUser.ok) throw new HttpError('Throttling', `too many sign-in checks for user ${b.user}; retry in ${byUser.retryAfter} s`, byUser.retryAfter);
    // Without the key (--public-check) the caller learns accepted or refused, nothing more.
    if (publicCheck && !keys.matches(req.headers.authorization)) {
      try {
        await v.check(b.user, b.code);
      } catch (e) {
        throw publicRefusal(e, req);
      }
      return { ok: true };
    }
    const r = await v.check(b.user, b.code);
    return { ok: true, serial: r.serial };
  });

  app.post('/api/mfa/resync', async (req) => {
    const b = parse(ResyncBody, req.body, 'body');
    const r = await v.resync(b.user, b.serial, b.code1, b.code2);
    return { serial: r.serial, driftSteps: r.driftSteps };
  });

  app.post('/api/mfa/deactivate', async (req) => {
    const b = parse(DeactivateBody, req.body, 'body');
    await v.deactivate(b.user, b.serial);
    return { serial: b.serial, user: b.user, deactivated: true };
  });
}
