/**
 * Registry writes for provisioning and seed files: the two provisioning phases (addPending, then
 * markReady once the token confirmed the seed with its KCV, or removePending if it failed), bulk
 * import in one transaction, export, and the serial-number counter.
 * A pending token is never usable: enable treats it as not there yet.
 */
import { checkParams, constantTimeEqual, kcv as kcvOf, withDefaults } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { VerifierError } from './errors.ts';
import { Context, noSuchToken } from './context.ts';
import { addToFindIndex } from './find-index.ts';
import { seal, seedAad } from './seal.ts';
import { isDamaged, type TokenRow } from './store.ts';
import { prediction } from './signin-window.ts';
import type { ExportedToken, NewToken, TokenOrigin } from './types.ts';
import { checkSerial, nameProblem } from './validate.ts';

function invalid(serial: string, msg: string): VerifierError {
  return new VerifierError('ValidationError', `token ${serial}: ${msg}`, { serial });
}

/** An optional name (manufacturer, model): absent, or a name by the rules of validate.ts, stored in NFC. */
function optText(serial: string, v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  const problem = nameProblem(v);
  if (problem) throw invalid(serial, `${what} ${problem}`);
  return (v as string).normalize('NFC');
}

/** Validates a NewToken and builds its row (seed sealed to its serial). */
function toRow(ctx: Context, t: NewToken, state: TokenRow['state'], origin: TokenOrigin, nowMs: number): TokenRow {
  if (!t || typeof t !== 'object') throw new VerifierError('ValidationError', 'a token must be an object');
  const serial = checkSerial(t.serial);
  if (!(t.secret instanceof Uint8Array)) throw invalid(serial, 'secret must be bytes');
  const { algorithm, digits, period, t0 } = withDefaults(t);
  const wrong = checkParams({ algorithm, digits, period, t0 }, t.secret.length);
  if (wrong) throw invalid(serial, wrong);
  const drift = t.driftSteps ?? 0;
  // A day of 1-second steps bounds any drift a real token shows; more is a damaged file.
  if (!Number.isInteger(drift) || Math.abs(drift) > 86400) throw invalid(serial, `driftSteps must be an integer from -86400 to 86400, got ${drift}`);
  let kcv: string | null = null;
  if (t.kcv !== undefined && t.kcv !== null) {
    if (typeof t.kcv !== 'string' || !/^[0-9A-Fa-f]{6}$/.test(t.kcv)) throw invalid(serial, 'kcv must be 6 hex digits');
    kcv = t.kcv.toUpperCase();
    const actual = kcvOf(nobleHmac, algorithm, t.secret);
    if (!constantTimeEqual(actual, kcv)) throw invalid(serial, `key check value ${kcv} does not match the secret (expected ${actual}); the seed is damaged`);
  }
  return {
    serial, sealedSecret: seal(ctx.key, t.secret, seedAad(serial)), algorithm, digits, period, t0, state,
    user: null, deviceName: null, enableDate: null, driftSteps: drift, candidateDriftSteps: null, lastStep: -1,
    failures: 0, lockedUntil: null, lockLevel: 0, origin, kcv,
    manufacturer: optText(serial, t.manufacturer, 'manufacturer'), model: optText(serial, t.model, 'model'),
    createdAt: nowMs, updatedAt: nowMs, lastUsed: null, clockModel: null, pendingStep: null, pendingAt: null, version: 1,
  };
}

/** Phase 1 of provisioning: record the seed before sending it to the token. */
export async function addPending(ctx: Context, token: NewToken): Promise<void> {
  const nowMs = ctx.clock();
  const row = toRow(ctx, token, 'pending', 'provisioned', nowMs);
  await ctx.store.insertTokens([row], [ctx.audit(nowMs, 'provision', { serial: row.serial, user: null }, 'ok', 'pending')]);
}

/** Phase 2: the token confirmed the seed; the KCV it reported must match the stored seed. */
export async function markReady(ctx: Context, serial: string, kcv: string): Promise<void> {
  checkSerial(serial);
  const nowMs = ctx.clock();
  const row = await ctx.store.getToken(serial);
  if (!row) throw noSuchToken(serial);
  if (row.state !== 'pending') throw invalid(serial, `is ${row.state}, not pending; markReady applies to a token being provisioned`);
  if (typeof kcv !== 'string' || !/^[0-9A-Fa-f]{6}$/.test(kcv)) throw invalid(serial, 'kcv must be 6 hex digits');
  const secret = ctx.secret(row);
  const expected = kcvOf(nobleHmac, row.algorithm, secret);
  secret.fill(0);
  if (!constantTimeEqual(expected, kcv.toUpperCase())) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'provision', row, 'refused', 'kcv-mismatch')]);
    throw invalid(serial, `the token reported key check value ${kcv.toUpperCase()} but the seed sent has ${expected}; ` +
      'the seed did not arrive intact: wipe the token and provision it again');
  }
  const ok = await ctx.store.updateToken(serial, { state: 'unassigned', kcv: expected, updatedAt: nowMs }, { states: ['pending'] },
    [ctx.audit(nowMs, 'provision', row, 'ok', 'ready', { kcv: expected })]);
  if (!ok) throw invalid(serial, 'changed while being marked ready');
}

/** Drops a pending token whose provisioning failed. */
export async function removePending(ctx: Context, serial: string): Promise<void> {
  checkSerial(serial);
  const nowMs = ctx.clock();
  const ok = await ctx.store.deleteToken(serial, { states: ['pending'] },
    [ctx.audit(nowMs, 'remove', { serial, user: null }, 'ok', 'provisioning-failed')]);
  if (ok) return;
  const row = await ctx.store.getToken(serial);
  if (!row) throw noSuchToken(serial);
  throw new VerifierError('ValidationError',
    `token ${serial} is ${row.state}, not pending; only a token whose provisioning never finished can be removed`, { serial });
}

/** Imports tokens, all or nothing. A serial already present (or twice in the batch) writes nothing. */
export async function importTokens(ctx: Context, tokens: NewToken[], origin: TokenOrigin = 'imported'): Promise<{ imported: number }> {
  if (!Array.isArray(tokens)) throw new VerifierError('ValidationError', 'tokens must be an array');
  if (origin !== 'imported' && origin !== 'provisioned') throw new VerifierError('ValidationError', `origin must be imported or provisioned, got "${String(origin)}"`);
  const nowMs = ctx.clock();
  const rows = tokens.map((t) => toRow(ctx, t, 'unassigned', origin, nowMs));
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.serial)) throw new VerifierError('EntityAlreadyExists', `token ${r.serial} appears twice in the import; nothing was written`, { serial: r.serial });
    seen.add(r.serial);
  }
  await ctx.store.insertTokens(rows, rows.map((r) => ctx.audit(nowMs, 'import', { serial: r.serial, user: null }, 'ok', origin)));
  // The import is written: a failure to add its seeds to find's index only leaves them for the next lookup to add.
  await addToFindIndex(ctx.store, ctx.key, rows.map((r, i) => ({ serial: r.serial, secret: tokens[i]!.secret }))).catch(() => undefined);
  return { imported: rows.length };
}

/** Tokens with their seeds, for seed-file export only. Pending tokens are left out unless named. */
export async function exportTokens(ctx: Context, serials?: string[]): Promise<ExportedToken[]> {
  const nowMs = ctx.clock();
  let rows: TokenRow[];
  if (serials === undefined) {
    rows = [];
    for (const r of await ctx.store.listTokens()) {
      // A whole-registry export with a row missing would look complete: refuse, naming the row.
      if (isDamaged(r)) {
        throw new VerifierError('CorruptRecord', `cannot export: ${r.damaged.replace(/; restore.*$/, '')}; ` +
          'restore that row from a backup, or export the other tokens by --serial', { serial: r.serial });
      }
      if (r.state !== 'pending') rows.push(r);
    }
  } else {
    rows = [];
    for (const s of serials) {
      checkSerial(s);
      const r = await ctx.store.getToken(s);
      if (!r) throw noSuchToken(s);
      rows.push(r);
    }
  }
  // PSKC's TimeDrift (RFC 6030 §4.3) is one whole number of steps: the clock model's drift now.
  // The format has no field for a rate, so an importing system starts its own rate fit afresh.
  const out = rows.map((r) => ({
    serial: r.serial, secret: new Uint8Array(ctx.secret(r)), algorithm: r.algorithm, digits: r.digits, period: r.period,
    t0: r.t0, driftSteps: prediction(r, ctx.settings, nowMs).driftSteps, kcv: r.kcv, manufacturer: r.manufacturer, model: r.model, state: r.state, origin: r.origin,
  }));
  if (rows.length > 0) await ctx.store.appendAudit(rows.map((r) => ctx.audit(nowMs, 'export', r, 'ok')));
  return out;
}

/** The next value of the counter for this serial prefix (1, 2, 3, ...), atomic across processes. */
export async function nextSerial(ctx: Context, prefix: string): Promise<number> {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9+=/:,.@-]{0,60}$/.test(prefix)) {
    throw new VerifierError('ValidationError', 'prefix must be up to 60 characters of A-Z a-z 0-9 + = / : , . @ -');
  }
  return ctx.store.nextSequence('serial:' + prefix);
}
