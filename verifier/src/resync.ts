/**
 * Resync: bring a drifted token back with two consecutive codes searched over a wide window
 * (RFC 4226 §7.4, RFC 6238 §6), ±resyncWindowSeconds around now (default ±1 day).
 * It works on a locked token and clears the lock: two consecutive codes are proof of possession a
 * guesser cannot meet (1 in 10^12 per pair and position).
 * A failed resync writes only its audit row: it does not count as a sign-in failure.
 *
 * The last step never moves back: codes at or before it may have been seen (they are the ones
 * accepted), so a token whose clock jumped backwards is refused with advice to set its clock. A token
 * that merely runs slow still moves forward and is found.
 */
import { VerifierError } from './errors.ts';
import { Context, noSuchToken } from './context.ts';
import { findConsecutive } from './otp-window.ts';
import { resynced } from './clock-model.ts';
import { checkSerial, checkUser, parseCode } from './validate.ts';

/** The result of a resync. */
export interface ResyncResult { serial: string; driftSteps: number }

export async function resync(ctx: Context, user: string, serial: string, code1: string, code2: string): Promise<ResyncResult> {
  user = checkUser(user);
  checkSerial(serial);
  parseCode(code1, 'code1');
  parseCode(code2, 'code2');
  const nowMs = ctx.now();
  const refuse = (reason: string) => ctx.store.appendAudit([ctx.audit(nowMs, 'resync', { serial, user }, 'refused', reason)]);
  const row = await ctx.store.getToken(serial);
  if (!row || row.user !== user || (row.state !== 'assigned' && row.state !== 'disabled')) {
    await refuse(row ? 'not-owner' : 'no-such-token');
    if (!row) throw noSuchToken(serial);
    throw new VerifierError('NoSuchEntity', `token ${serial} is not assigned to user ${user}`, { serial });
  }
  if (row.state === 'disabled') {
    await refuse('disabled');
    throw new VerifierError('TokenDisabled', `token ${serial} is disabled by an operator`, { serial });
  }
  const c1 = parseCode(code1, 'code1', row.digits);
  const c2 = parseCode(code2, 'code2', row.digits);
  const now = ctx.step(row, nowMs);
  const radius = Math.ceil(ctx.settings.resyncWindowSeconds / row.period);
  const all = findConsecutive(ctx.generator(row), c1, c2, now, radius);
  const fresh = all.filter((s) => s > row.lastStep);
  if (fresh.length === 0) {
    const reason = all.length > 0 ? 'replay' : 'wrong-code';
    await ctx.store.appendAudit([ctx.audit(nowMs, 'resync', row, 'refused', reason)]);
    throw new VerifierError('InvalidAuthenticationCode', reason === 'replay'
      ? `these codes of token ${serial} are at or before its last accepted code, so they may be replays and are ` +
        'never accepted; if the token clock went back, set it (hwtotp settime), else wait for two new consecutive codes'
      : `code1 and code2 are not two consecutive codes of token ${serial} within ±${ctx.settings.resyncWindowSeconds} s of now`,
    { serial, reason });
  }
  const s = fresh[0]!;
  const drift = s + 1 - now;
  const ok = await ctx.store.updateToken(serial, {
    driftSteps: drift, candidateDriftSteps: null, clockModel: resynced(row.clockModel, s + 1, nowMs, row.period, row.t0),
    pendingStep: null, pendingAt: null, lastStep: s + 1, failures: 0, lockedUntil: null, lockLevel: 0, updatedAt: nowMs,
  }, { states: ['assigned'], user, lastStepBelow: s },
  [ctx.audit(nowMs, 'resync', row, 'ok', null, { driftSteps: drift, previousDriftSteps: row.driftSteps })]);
  if (!ok) throw new VerifierError('InvalidAuthenticationCode', `token ${serial} changed while resyncing; try again with new codes`, { serial, reason: 'replay' });
  return { serial, driftSteps: drift };
}
