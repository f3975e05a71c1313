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
 */
import { VerifierError } from './errors.ts';
import { Context, lockedError } from './context.ts';
import { afterFailure, isLocked } from './lockout.ts';
import { matchSteps } from './otp-window.ts';
import type { TokenRow } from './store.ts';
import { checkUser, parseCode } from './validate.ts';

/** An accepted sign-in. */
export interface CheckResult { ok: true; serial: string }

/** The steps a sign-in may match for this row: ±w around now + each candidate drift. */
function windowSteps(ctx: Context, row: TokenRow, now: number): number[] {
  const w = ctx.settings.checkWindowSteps;
  const drifts = [row.driftSteps];
  if (row.candidateDriftSteps !== null && row.candidateDriftSteps !== row.driftSteps) drifts.push(row.candidateDriftSteps);
  const steps: number[] = [];
  for (const d of drifts) for (let o = -w; o <= w; o++) if (!steps.includes(now + d + o)) steps.push(now + d + o);
  return steps;
}

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
  for (const row of fits) {
    const now = ctx.step(row, nowMs);
    const matched = matchSteps(ctx.generator(row), value, windowSteps(ctx, row, now));
    if (matched.length === 0) continue;
    if (isLocked(row, nowMs)) { lockedMatch = row; continue; }
    const step = Math.max(...matched);
    if (step <= row.lastStep) { replayed = row; continue; }
    const accepted = await ctx.store.updateToken(row.serial, {
      lastStep: step, driftSteps: step - now, candidateDriftSteps: null, failures: 0, lockLevel: 0,
      lockedUntil: null, lastUsed: nowMs, updatedAt: nowMs,
    }, { states: ['assigned'], user, lastStepBelow: step, notLockedAt: nowMs },
    [ctx.audit(nowMs, 'check', row, 'accepted', null, { driftSteps: step - now })]);
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

/**
 * Counts one failure (and maybe a lock), retrying if another process changed the row meanwhile.
 * Returns the row as it now stands (lockedUntil set if this failure locked it).
 */
async function recordFailure(ctx: Context, first: TokenRow, nowMs: number): Promise<TokenRow> {
  let row: TokenRow | undefined = first;
  for (let attempt = 0; attempt < 20 && row; attempt++) {
    if (row.state !== 'assigned' || isLocked(row, nowMs)) return row;
    const { patch, lockedFor } = afterFailure(row, nowMs, ctx.settings);
    const audit = [ctx.audit(nowMs, 'check', row, 'refused', 'wrong-code', { failures: row.failures + 1 })];
    if (lockedFor !== null) audit.push(ctx.audit(nowMs, 'lock', row, 'ok', 'too-many-failures', { seconds: lockedFor, level: row.lockLevel + 1 }));
    if (await ctx.store.updateToken(row.serial, patch, { version: row.version }, audit)) return { ...row, ...patch };
    row = await ctx.store.getToken(row.serial);
  }
  return row ?? first;
}
