/**
 * Check: verify a sign-in code against every active token of a user (RFC 6238 §5.2: a window of
 * ±checkWindowSteps around the token's expected step, now + drift).
 *
 * Replay (RFC 6238 §5.2 "MUST NOT accept the second attempt of the same OTP"): a step is accepted
 * only if it is above the token's last accepted step, and the store applies the acceptance with
 * `last_step < step` in the same atomic UPDATE, so of two processes racing with one code exactly one
 * wins. A replayed code is refused but does not count as a failure (it came from the real token;
 * counting it would let a double-submit lock the owner out).
 *
 * Failures count per token: a code that matches none of the user's tokens counts against each
 * unlocked one (we cannot know which one the user meant). See lockout.ts for the schedule.
 *
 * Auto-resync (signin-window.ts): a code outside the window but inside the band around the
 * prediction is refused with NextCodeRequired and counts one failure on that token (a guesser
 * gains nothing from it); the step it matched is kept for NEXT_CODE_MS, and the token's code of the
 * following step, submitted within that time, signs in and updates the clock model. The pending
 * step never moves lastStep, so a pending answer never blocks an ordinary sign-in: the window is
 * searched first, as always.
 */
import { VerifierError } from './errors.ts';
import { Context, lockedError } from './context.ts';
import { afterFailure, isLocked } from './lockout.ts';
import { matchSteps } from './otp-window.ts';
import { observe, resynced } from './clock-model.ts';
import { NEXT_CODE_MS, searchPlan } from './signin-window.ts';
import type { TokenPatch, TokenRow } from './store.ts';
import { checkUser, parseCode } from './validate.ts';

/** An accepted sign-in. */
export interface CheckResult { ok: true; serial: string }

export async function check(ctx: Context, user: string, code: string): Promise<CheckResult> {
  user = checkUser(user);
  const value = parseCode(code, 'code');
  const nowMs = ctx.now();
  const rows = await ctx.store.tokensOfUser(user);
  if (rows.length === 0) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'check', { serial: null, user }, 'refused', 'no-token')]);
    throw new VerifierError('NoSuchEntity', `user ${user} has no MFA token; enable one first`);
  }
  const active = rows.filter((r) => r.state === 'assigned');
  if (active.length === 0) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'check', { serial: null, user }, 'refused', 'disabled')]);
    throw new VerifierError('TokenDisabled', `every MFA token of user ${user} is disabled (${rows.map((r) => r.serial).join(', ')}); ask an operator`,
      rows.length === 1 ? { serial: rows[0]!.serial } : {});
  }

  // A code's length says which tokens it can be for: 6 digits cannot be an 8-digit token's.
  const fits = active.filter((r) => r.digits === code.length);
  if (fits.length === 0) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'check', { serial: active.length === 1 ? active[0]!.serial : null, user }, 'refused', 'code-length')]);
    const lengths = [...new Set(active.map((r) => r.digits))].join(' or ');
    throw new VerifierError('ValidationError', `code must be ${lengths} digits for user ${user}'s tokens, got ${code.length}`);
  }
  let replayed: TokenRow | null = null;
  let lockedMatch: TokenRow | null = null;
  let inBand: { row: TokenRow; step: number } | null = null;
  for (const row of fits) {
    const now = ctx.step(row, nowMs);
    const gen = ctx.generator(row);
    const plan = searchPlan(row, ctx.settings, nowMs, now);
    let matched = matchSteps(gen, value, plan.window);
    let how: 'window' | 'next-code' = 'window';
    const pending = row.pendingStep !== null && row.pendingAt !== null && nowMs - row.pendingAt <= NEXT_CODE_MS ? row.pendingStep : null;
    if (matched.length === 0 && pending !== null) {
      if (matchSteps(gen, value, [pending]).length > 0) { replayed = row; continue; } // the first code again
      matched = matchSteps(gen, value, [pending + 1]);
      how = 'next-code';
    }
    if (matched.length === 0) {
      // Band steps at or before the last accepted one are old codes: a plain wrong code there
      // (counting a failure), so a guess in the band never earns a free, uncounted try.
      const hit = matchSteps(gen, value, plan.band.filter((b) => b > row.lastStep));
      if (hit.length > 0 && !inBand) {
        const step = hit.reduce((a, b) => (Math.abs(a - now - plan.driftSteps) <= Math.abs(b - now - plan.driftSteps) ? a : b));
        if (isLocked(row, nowMs)) lockedMatch = row;
        else inBand = { row, step };
      }
      continue;
    }
    if (isLocked(row, nowMs)) { lockedMatch = row; continue; }
    const step = Math.max(...matched);
    if (step <= row.lastStep) { replayed = row; continue; }
    // The next code after NextCodeRequired is a resync by two consecutive codes: restart the offset there.
    const model = (how === 'next-code' ? resynced : observe)(row.clockModel, step, nowMs, row.period, row.t0);
    const accepted = await ctx.store.updateToken(row.serial, {
      lastStep: step, driftSteps: step - now, candidateDriftSteps: null, clockModel: model, pendingStep: null, pendingAt: null,
      failures: 0, lockLevel: 0, lockedUntil: null, lastUsed: nowMs, updatedAt: nowMs,
    }, { states: ['assigned'], user, lastStepBelow: step, notLockedAt: nowMs },
    [ctx.audit(nowMs, 'check', row, 'accepted', how === 'next-code' ? 'next-code' : null,
      { driftSteps: step - now, ...(how === 'next-code' ? { previousDriftSteps: plan.driftSteps } : {}) })]);
    if (accepted) return { ok: true, serial: row.serial };
    replayed = row; // another process accepted this step first (or the token changed meanwhile)
  }

  if (replayed) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'check', replayed, 'refused', 'replay')]);
    throw new VerifierError('InvalidAuthenticationCode',
      `this code of token ${replayed.serial} was already used; wait for the next code`, { serial: replayed.serial, reason: 'replay' });
  }
  // The right code of a locked token: the lock answers, and it is no wrong guess at the others.
  if (lockedMatch) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'check', lockedMatch, 'refused', 'locked')]);
    throw lockedError(lockedMatch, nowMs);
  }
  // A code in the auto-resync band: one failure on that token, and ask for its next code.
  if (inBand) {
    const after = await recordFailure(ctx, inBand.row, nowMs, 'next-code-required',
      { pendingStep: inBand.step, pendingAt: nowMs });
    if (isLocked(after, nowMs)) throw lockedError(after, nowMs);
    throw new VerifierError('NextCodeRequired',
      `the code is far from where token ${inBand.row.serial}'s clock was expected; type its next code (within ` +
      `${NEXT_CODE_MS / 60000} minutes) to sign in and resynchronize it`, { serial: inBand.row.serial, reason: 'next-code-required' });
  }
  // A wrong code: count a failure on every unlocked token it could be for; report a lock if one
  // stands in the way (already, or because of this failure).
  const after: TokenRow[] = [];
  for (const row of fits) {
    if (isLocked(row, nowMs)) {
      await ctx.store.appendAudit([ctx.audit(nowMs, 'check', row, 'refused', 'locked')]);
      after.push(row);
      continue;
    }
    after.push(await recordFailure(ctx, row, nowMs));
  }
  if (after.every((r) => isLocked(r, nowMs))) {
    const first = after.reduce((a, b) => ((a.lockedUntil ?? 0) <= (b.lockedUntil ?? 0) ? a : b));
    throw lockedError(first, nowMs);
  }
  throw new VerifierError('InvalidAuthenticationCode',
    fits.length === 1
      ? `the code is not valid for token ${fits[0]!.serial} at this time`
      : `the code is not valid for any of user ${user}'s ${fits.length} tokens at this time`,
    fits.length === 1 ? { serial: fits[0]!.serial, reason: 'wrong-code' } : { reason: 'wrong-code' });
}

/** Tries before recordFailure gives up on a row that other writers keep changing. */
const FAILURE_ATTEMPTS = 200;

/**
 * Counts one failure (and maybe a lock), retrying if another process changed the row meanwhile.
 * Returns the row as it now stands (lockedUntil set if this failure locked it). A refusal is only
 * answered once its failure is written: should other writers keep winning the row every time, this
 * throws StoreUnavailable rather than let an uncounted guess through, which would stretch the
 * lockout for a guesser who floods one token.
 */
async function recordFailure(ctx: Context, first: TokenRow, nowMs: number, reason = 'wrong-code', extra: TokenPatch = {}): Promise<TokenRow> {
  let row: TokenRow | undefined = first;
  for (let attempt = 0; attempt < FAILURE_ATTEMPTS && row; attempt++) {
    if (row.state !== 'assigned' || isLocked(row, nowMs)) return row;
    const { patch: counted, lockedFor } = afterFailure(row, nowMs, ctx.settings);
    const patch = { ...counted, ...extra };
    const audit = [ctx.audit(nowMs, 'check', row, 'refused', reason, { failures: row.failures + 1 })];
    if (lockedFor !== null) audit.push(ctx.audit(nowMs, 'lock', row, 'ok', 'too-many-failures', { seconds: lockedFor, level: row.lockLevel + 1 }));
    if (await ctx.store.updateToken(row.serial, patch, { version: row.version }, audit)) return { ...row, ...patch };
    // Lost the race: a short random pause spreads the writers out before reading the row again.
    if (attempt >= 3) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt)));
    row = await ctx.store.getToken(row.serial);
  }
  if (!row) return first;
  throw new VerifierError('StoreUnavailable',
    `token ${first.serial} changed ${FAILURE_ATTEMPTS} times while this refusal was being recorded; nothing was accepted; try again`,
    { serial: first.serial });
}
