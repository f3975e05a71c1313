/**
 * A stateless TOTP verify (RFC 6238 §5.2) on the fast HOTP path: no registry, no replay memory.
 * For callers that keep their own state, and for the benchmark against otpauth/otplib/speakeasy.
 * The registry's check() adds drift, replay protection and lockout on top of the same search.
 */
import { totpStep, withDefaults, type HashAlgorithm } from '@hwtotp/protocol';
import { hotpGenerator } from './fast-hotp.ts';
import { matchSteps } from './otp-window.ts';
import { parseCode } from './validate.ts';

/** Parameters of verifyTotp. */
export interface VerifyOptions {
  algorithm?: HashAlgorithm;
  digits?: number;
  period?: number;
  t0?: number;
  /** UNIX seconds (default now). */
  time?: number;
  /** ±steps searched (default 1). */
  window?: number;
}

/**
 * The step offset (-window..window) at which `code` is valid for `secret`, or null.
 * Every step of the window is computed and compared, matched or not.
 * @throws VerifierError ValidationError for a code of the wrong length or with non-digits.
 */
export function verifyTotp(secret: Uint8Array, code: string, options: VerifyOptions = {}): number | null {
  const { algorithm, digits, period, t0 } = withDefaults(options);
  const value = parseCode(code, 'code', digits);
  const time = options.time ?? Date.now() / 1000;
  const now = totpStep(time, period, t0);
  const w = options.window ?? 1;
  const steps: number[] = [];
  for (let o = -w; o <= w; o++) steps.push(now + o);
  const found = matchSteps(hotpGenerator(algorithm, secret, digits), value, steps);
  return found.length ? found[0]! - now : null;
}
