/**
 * Assignment management and read-only views: deactivate (the AWS DeactivateMFADevice: the token
 * leaves the user and can be enabled again), operator disable/reactivate, list, token, audit.
 */
import { VerifierError } from './errors.ts';
import { Context, iso, noSuchToken, toInfo, toListEntry } from './context.ts';
import type { AuditFilter, AuditRow, TokenInfo, TokenListEntry } from './types.ts';
import { checkSerial, checkUser } from './validate.ts';
import { isDamaged } from './store.ts';

/** Removes a token from its user. It keeps its last step (old codes stay refused) and forgets drift and locks. */
export async function deactivate(ctx: Context, user: string, serial: string): Promise<void> {
  user = checkUser(user);
  checkSerial(serial);
  const nowMs = ctx.clock();
  const row = await ctx.store.getToken(serial);
  if (!row || row.user !== user) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'deactivate', { serial, user }, 'refused', row ? 'not-owner' : 'no-such-token')]);
    if (!row) throw noSuchToken(serial);
    throw new VerifierError('NoSuchEntity', `token ${serial} is not assigned to user ${user}`, { serial });
  }
  const ok = await ctx.store.updateToken(serial, {
    state: row.state === 'disabled' ? 'disabled' : 'unassigned', user: null, deviceName: null, enableDate: null,
    driftSteps: 0, candidateDriftSteps: null, clockModel: null, pendingStep: null, pendingAt: null, failures: 0, lockedUntil: null, lockLevel: 0, updatedAt: nowMs,
  }, { user, version: row.version }, [ctx.audit(nowMs, 'deactivate', row, 'ok')]);
  if (!ok) throw new VerifierError('EntityTemporarilyUnmodifiable', `token ${serial} changed meanwhile; try again`, { serial, retryAfter: 1 });
}

/** Operator action: a lost or retired token stops working, assigned or not. */
export async function disable(ctx: Context, serial: string): Promise<void> {
  checkSerial(serial);
  const nowMs = ctx.clock();
  const row = await ctx.store.getToken(serial);
  if (!row) throw noSuchToken(serial);
  if (row.state === 'pending') throw new VerifierError('ValidationError', `token ${serial} is pending; remove it instead`, { serial });
  if (row.state === 'disabled') return;
  await ctx.store.updateToken(serial, { state: 'disabled', updatedAt: nowMs }, { version: row.version },
    [ctx.audit(nowMs, 'disable', row, 'ok')]);
}

/** Undoes disable: back to assigned if it still has a user, else unassigned. */
export async function reactivate(ctx: Context, serial: string): Promise<void> {
  checkSerial(serial);
  const nowMs = ctx.clock();
  const row = await ctx.store.getToken(serial);
  if (!row) throw noSuchToken(serial);
  if (row.state !== 'disabled') throw new VerifierError('ValidationError', `token ${serial} is ${row.state}, not disabled`, { serial });
  await ctx.store.updateToken(serial, { state: row.user ? 'assigned' : 'unassigned', failures: 0, lockedUntil: null, updatedAt: nowMs },
    { version: row.version }, [ctx.audit(nowMs, 'reactivate', row, 'ok')]);
}

/** Tokens of one user, or all tokens. Never the seed. */
export async function list(ctx: Context, user?: string): Promise<TokenListEntry[]> {
  if (user !== undefined) user = checkUser(user);
  const nowMs = ctx.clock();
  return (await ctx.store.listTokens(user)).map((r) => isDamaged(r)
    ? {
      serial: r.serial, user: null, deviceName: null, enableDate: null, state: 'damaged' as const, lastUsed: null, lockedUntil: null,
      driftNowSteps: 0, ratePpm: null, damaged: r.damaged,
    }
    : toListEntry(r, ctx.settings, nowMs));
}

/** One token's state. Never the seed. */
export async function token(ctx: Context, serial: string): Promise<TokenInfo> {
  checkSerial(serial);
  const row = await ctx.store.getToken(serial);
  if (!row) throw noSuchToken(serial);
  return toInfo(row, ctx.settings, ctx.clock());
}

/** Audit rows, newest first (default limit 100). */
export async function audit(ctx: Context, filter: AuditFilter = {}): Promise<AuditRow[]> {
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || filter.limit < 1)) {
    throw new VerifierError('ValidationError', `limit must be a positive integer, got ${filter.limit}`);
  }
  if (filter.user !== undefined) filter = { ...filter, user: checkUser(filter.user) };
  return (await ctx.store.audit(filter)).map((r) => ({ ...r, at: iso(r.at)! }));
}
