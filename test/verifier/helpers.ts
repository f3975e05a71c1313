/**
 * Shared set-up for the verifier suites: a real SQLite file in a fresh temp dir, a settable clock,
 * and codes computed by the otpauth package (an independent oracle, never our own totp()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { openVerifier, type Verifier, type VerifierOptions, type NewToken } from '@hwtotp/verifier';
import { freshSchema } from '../helpers/postgres.ts';

/** 2027-01-15T08:00:00Z, exactly on a 30 s step (60,000,000). */
export const T0_MS = 1_800_000_000_000;

export const KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** A temp dir removed by cleanup(). */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-verifier-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A verifier on a temp file with a clock the test moves. */
export interface Rig {
  v: Verifier;
  dir: string;
  db: string;
  clock: { ms: number };
  close: () => Promise<void>;
}

/** The stores every registry suite runs on. */
export const STORES = ['sqlite', 'postgres'] as const;
export type StoreKind = typeof STORES[number];

/**
 * A verifier with a clock the test moves, on a new SQLite file or a new PostgreSQL schema of the
 * run's throwaway server (sealed with KEY_HEX there: a shared registry has no key file).
 */
export async function rig(options: Partial<VerifierOptions> = {}, store: StoreKind = 'sqlite'): Promise<Rig> {
  const { dir, cleanup } = tempDir();
  const clock = { ms: T0_MS };
  if (store === 'postgres') {
    const schema = await freshSchema();
    const v = await openVerifier({ db: schema.url, now: () => clock.ms, env: {}, masterKey: KEY_HEX, ...options });
    return { v, dir, db: schema.url, clock, close: async () => { await v.close(); await schema.drop(); cleanup(); } };
  }
  const db = join(dir, 'registry.db');
  const v = await openVerifier({ db, now: () => clock.ms, env: {}, ...options });
  return { v, dir, db, clock, close: async () => { await v.close(); cleanup(); } };
}

/** A deterministic seed per label. */
export function seed(label: string, length = 20): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (label.charCodeAt(i % label.length) * 31 + i * 7) & 255;
  return out;
}

/** A token to import. */
export function token(serial: string, extra: Partial<NewToken> = {}): NewToken {
  return { serial, secret: seed(serial), ...extra };
}

/** The oracle: the code of this token at time ms + offsetSteps * period. */
export function codeAt(t: NewToken, ms: number, offsetSteps = 0): string {
  const period = t.period ?? 30;
  const totp = new OTPAuth.TOTP({
    secret: new OTPAuth.Secret({ buffer: t.secret.slice().buffer }),
    algorithm: t.algorithm ?? 'SHA1', digits: t.digits ?? 6, period,
  });
  return totp.generate({ timestamp: ms + offsetSteps * period * 1000 });
}

/** Imports t and enables it for user (device name "k") with its codes of the previous and the current step. */
export async function enrolled(r: Rig, t: NewToken, user = 'alice'): Promise<void> {
  await r.v.importTokens([t]);
  await r.v.enable(user, 'k', t.serial, codeAt(t, r.clock.ms, -1), codeAt(t, r.clock.ms, 0));
}

/** A code of the same length that is none of the codes within ±3 steps. */
export function wrongCode(t: NewToken, ms: number): string {
  const near = new Set([-3, -2, -1, 0, 1, 2, 3].map((o) => codeAt(t, ms, o)));
  const digits = t.digits ?? 6;
  for (let n = 0; ; n++) {
    const c = String(n * 7919 % 10 ** digits).padStart(digits, '0');
    if (!near.has(c)) return c;
  }
}

/** Runs fn and returns the VerifierError it throws (fails the test if it does not throw). */
export async function refusal(fn: () => Promise<unknown>): Promise<Error & { name: string; httpStatus: number; retryAfter?: number; lockedUntil?: string; serial?: string; reason?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a refusal, but the call succeeded');
}
