/**
 * Find a token by its codes: which token shows these two consecutive codes now? The help desk's
 * question about an unlabelled token in a user's hand. A lookup, not a sign-in: every token that is
 * not pending counts, assigned or not, disabled or not, and a step already used still matches;
 * nothing but the audit row is written.
 *
 * Where it searches: around each token's own predicted step (signin-window.ts), first over its
 * sign-in window (a few steps: the cheap pass that finds a token in use), then, only if no token
 * matched, over the resync window (±resyncWindowSeconds, RFC 4226 §7.4), which costs an HMAC per
 * step per token: ±1 day is 5,760 steps per 30 s token, so a large registry takes a while.
 * Two 6-digit codes falsely match one token at one step with probability 10^-12, so with 100,000
 * tokens the cheap pass is wrong about "exactly one" about once in 10^7 lookups.
 */
import { VerifierError } from './errors.ts';
import { Context } from './context.ts';
import { prediction } from './signin-window.ts';
import { isDamaged, type TokenRow } from './store.ts';
import type { TokenState } from './types.ts';
import { parseCode } from './validate.ts';

/** The token found. */
export interface FindResult {
  serial: string;
  state: TokenState;
  user: string | null;
  /** Its offset now, in steps, as the codes show it (the step of code2 minus the server's). */
  driftSteps: number;
}

/**
 * Every token among rows where code1 is the value at some step s and code2 at s + 1, with s + 1
 * within ±radius(row) of the token's predicted step. code2 is computed only where code1 matched
 * (one in 10^6), so the cost is one HMAC per step per token: this loop is what the bench times.
 */
function search(ctx: Context, rows: TokenRow[], c1: number, c2: number, nowMs: number,
  radius: (r: TokenRow, halfWidth: number) => number): { row: TokenRow; drift: number }[] {
  const out: { row: TokenRow; drift: number }[] = [];
  for (const row of rows) {
    const now = ctx.step(row, nowMs);
    const p = prediction(row, ctx.settings, nowMs);
    const gen = ctx.generator(row);
    const r = radius(row, p.halfWidth);
    const lo = Math.max(0, now + p.driftSteps - r - 1), hi = now + p.driftSteps + r - 1;
    let best: number | null = null;
    for (let s = lo; s <= hi; s++) {
      if (gen.at(s) === c1 && gen.at(s + 1) === c2 && (best === null || Math.abs(s + 1 - now - p.driftSteps) < Math.abs(best + 1 - now - p.driftSteps))) best = s;
    }
    if (best !== null) out.push({ row, drift: best + 1 - now });
  }
  return out;
}

/** Rows find has decoded, by serial, reused while their version is unchanged. */
const cached = new WeakMap<Context, Map<string, TokenRow>>();

/** Every readable token: a damaged row (listed as such) shows no code, so a lookup passes over it. */
async function readableRows(ctx: Context): Promise<TokenRow[]> {
  return (await ctx.store.listTokens()).filter((r): r is TokenRow => !isDamaged(r));
}

/** The row as stored now, or undefined when it is gone or damaged. */
async function readableRow(ctx: Context, serial: string): Promise<TokenRow | undefined> {
  try {
    return await ctx.store.getToken(serial);
  } catch (e) {
    if (e instanceof VerifierError && e.name === 'CorruptRecord') return undefined;
    throw e;
  }
}

/** Every token as it stands now: rows read before and unchanged since are reused (store.tokenVersions). */
async function currentRows(ctx: Context): Promise<TokenRow[]> {
  if (!ctx.store.tokenVersions) return readableRows(ctx);
  let cache = cached.get(ctx);
  const versions = await ctx.store.tokenVersions();
  if (!cache || versions.filter((v) => cache!.get(v.serial)?.version !== v.version).length > versions.length / 10) {
    cache = new Map((await readableRows(ctx)).map((r) => [r.serial, r]));
    cached.set(ctx, cache);
  }
  const out: TokenRow[] = [];
  const fresh = new Map<string, TokenRow>();
  for (const v of versions) {
    let row = cache!.get(v.serial);
    if (!row || row.version !== v.version) row = await readableRow(ctx, v.serial);
    if (!row) continue; // deleted meanwhile, or damaged
    fresh.set(row.serial, row);
    out.push(row);
  }
  cached.set(ctx, fresh);
  return out;
}

export async function find(ctx: Context, code1: string, code2: string): Promise<FindResult> {
  parseCode(code1, 'code1');
  parseCode(code2, 'code2');
  if (code1.length !== code2.length) throw new VerifierError('ValidationError', `code1 and code2 must have the same length, got ${code1.length} and ${code2.length}`);
  const nowMs = ctx.now();
  const c1 = Number(code1), c2 = Number(code2);
  const rows = (await currentRows(ctx)).filter((r) => r.state !== 'pending' && r.digits === code1.length);
  let hits = search(ctx, rows, c1, c2, nowMs, (_r, h) => h);
  let wide = false;
  if (hits.length === 0) {
    wide = true;
    hits = search(ctx, rows, c1, c2, nowMs, (r) => Math.ceil(ctx.settings.resyncWindowSeconds / r.period));
  }
  const detail = { tokens: rows.length, matches: hits.length, wide };
  if (hits.length !== 1) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'find', { serial: null, user: null }, 'refused', hits.length === 0 ? 'none' : 'several', detail)]);
    if (hits.length === 0) {
      throw new VerifierError('NoSuchEntity',
        `no token shows these two consecutive codes within ±${ctx.settings.resyncWindowSeconds} s of its expected clock; ` +
        'check the codes, or the token is not in this registry');
    }
    throw new VerifierError('AmbiguousMatch',
      `${hits.length} tokens show these two codes (${hits.slice(0, 5).map((h) => h.row.serial).join(', ')}${hits.length > 5 ? ', ...' : ''}); ` +
      'wait for two new consecutive codes and try again');
  }
  const { row, drift } = hits[0]!;
  await ctx.store.appendAudit([ctx.audit(nowMs, 'find', row, 'ok', null, { ...detail, driftSteps: drift })]);
  return { serial: row.serial, state: row.state, user: row.user, driftSteps: drift };
}
