/**
 * Enable: assign an unassigned token to a user with two consecutive codes (the AWS "Assign MFA
 * device" flow). RFC 6238 §6 suggests measuring the token's drift at this point.
 *
 * Late codes (our improvement on AWS; README "Late codes"): if the two codes lie within
 * ±trustedDriftSteps of now, the measured offset is the drift. If they lie further away (the user
 * copied them a few minutes before submitting, or the token clock really is off), we cannot tell
 * which, so the token keeps two candidate drifts, the measured one and zero, and sign-in accepts a
 * ±1 window around either. The first accepted sign-in settles the drift at its own measured offset
 * and drops the other candidate. Either way the token is never silently left out of sync.
 */
import { VerifierError } from './errors.ts';
import { Context, iso, noSuchToken } from './context.ts';
import { findConsecutive } from './otp-window.ts';
import { observe } from './clock-model.ts';
import { checkDeviceName, checkSerial, checkUser, parseCode } from './validate.ts';

/** The result of enable. */
export interface EnableResult { serial: string; enableDate: string }

export async function enable(ctx: Context, user: string, deviceName: string, serial: string, code1: string, code2: string): Promise<EnableResult> {
  user = checkUser(user);
  deviceName = checkDeviceName(deviceName);
  checkSerial(serial);
  parseCode(code1, 'code1');
  parseCode(code2, 'code2');
  const nowMs = ctx.now();
  const refuse = async (reason: string, detail: { [k: string]: unknown } | null = null) =>
    ctx.store.appendAudit([ctx.audit(nowMs, 'enable', { serial, user }, 'refused', reason, detail)]);
  const row = await ctx.store.getToken(serial);
  if (!row) {
    await refuse('no-such-token');
    throw noSuchToken(serial);
  }
  if (row.state === 'pending') {
    await refuse('pending');
    throw new VerifierError('NoSuchEntity', `token ${serial} is still being provisioned and cannot be enabled yet`, { serial });
  }
  if (row.state === 'disabled') {
    await refuse('disabled');
    throw new VerifierError('TokenDisabled', `token ${serial} is disabled by an operator and cannot be enabled`, { serial });
  }
  if (row.state === 'assigned') {
    await refuse('already-assigned');
    throw new VerifierError('EntityAlreadyExists', `token ${serial} is already assigned; deactivate it before enabling it again`, { serial });
  }
  const c1 = parseCode(code1, 'code1', row.digits);
  const c2 = parseCode(code2, 'code2', row.digits);
  const { maxTokensPerUser: max, enableWindowSteps: n } = ctx.settings;
  const held = await ctx.store.tokensOfUser(user);
  if (held.length >= max) {
    await refuse('limit', { tokens: held.length });
    throw limit(user, max);
  }

  const gen = ctx.generator(row);
  const now = ctx.step(row, nowMs);
  // 0 unless a seed file gave the token's drift (PSKC TimeDrift): then the window is centred on it.
  const expected = row.driftSteps;
  const found = findConsecutive(gen, c1, c2, now + expected, n).filter((s) => s > row.lastStep);
  if (found.length === 0) {
    // Not near now: look as far as a resync would, only to say what is wrong.
    const radius = Math.ceil(ctx.settings.resyncWindowSeconds / row.period);
    const far = findConsecutive(gen, c1, c2, now, radius).filter((s) => s > row.lastStep);
    if (far.length > 0) {
      const offset = far[0]! + 1 - now;
      await refuse('clock-skew', { offsetSteps: offset });
      throw new VerifierError('ClockSkew',
        `the codes match token ${serial}'s clock ${describe(offset * row.period)} the server's, beyond the ` +
        `±${n * row.period} s enrollment window; set the token's clock (hwtotp settime) or fix the server clock, then enable again`,
        { serial, reason: 'clock-skew' });
    }
    await refuse('wrong-code');
    throw new VerifierError('InvalidAuthenticationCode',
      `code1 and code2 are not two consecutive codes of token ${serial} near the current time; ` +
      'type the code shown, wait for the next one, and type that', { serial, reason: 'wrong-code' });
  }
  const s = found[0]!;
  const drift = s + 1 - now;
  const late = Math.abs(drift - expected) > ctx.settings.trustedDriftSteps;
  const ok = await ctx.store.updateToken(serial, {
    state: 'assigned', user, deviceName, enableDate: nowMs, driftSteps: drift, candidateDriftSteps: late ? expected : null,
    // Late codes leave two candidates: the model starts at the first sign-in that settles them.
    clockModel: late ? null : observe(null, s + 1, nowMs, row.period, row.t0), pendingStep: null, pendingAt: null,
    lastStep: s + 1, failures: 0, lockedUntil: null, lockLevel: 0, updatedAt: nowMs,
  }, { states: ['unassigned'], lastStepBelow: s, userBelow: { user, max } },
  [ctx.audit(nowMs, 'enable', { serial, user }, 'ok', late ? 'late-codes' : null, { driftSteps: drift, ...(late ? { candidateDriftSteps: expected } : {}) })]);
  if (!ok) {
    // Lost a race: say which condition failed.
    const again = await ctx.store.getToken(serial);
    if (!again) throw noSuchToken(serial);
    if (again.state !== 'unassigned') throw new VerifierError('EntityAlreadyExists', `token ${serial} was assigned meanwhile`, { serial });
    if ((await ctx.store.tokensOfUser(user)).length >= max) throw limit(user, max);
    throw new VerifierError('InvalidAuthenticationCode', `these codes of token ${serial} were already used; wait for new ones`, { serial, reason: 'replay' });
  }
  return { serial, enableDate: iso(nowMs)! };
}

function limit(user: string, max: number): VerifierError {
  return new VerifierError('LimitExceeded', `user ${user} already has ${max} MFA tokens, the most allowed; deactivate one first`);
}

/** "3 min 30 s ahead of" / "2 h behind". */
function describe(seconds: number): string {
  const a = Math.abs(seconds);
  const h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), s = a % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ') || '0 s';
  return `${parts} ${seconds >= 0 ? 'ahead of' : 'behind'}`;
}
