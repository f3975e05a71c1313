/**
 * Find a token by its codes: which token shows these two consecutive codes now? The help desk's
 * question about an unlabelled token in a user's hand. A lookup, not a sign-in: every token that is
 * not pending counts, assigned or not, disabled or not, and a step already used still matches;
 * nothing is written but the audit row and find's own index.
 *
 * Where it searches: around each token's own predicted step (signin-window.ts), first over its
 * sign-in window (a few steps: the cheap pass that finds a token in use), then, only if no token
 * matched, over the resync window (±resyncWindowSeconds, RFC 4226 §7.4), which costs an HMAC per
 * step per token: ±1 day is 5,761 steps per 30 s token. Past settings.findWideBudget steps in all
 * (a registry of more than about 3,400 tokens), that second pass covers the auto-resync band
 * unless the caller asks for the whole window (FindOptions.wide).
 * Two 6-digit codes falsely match one token at one step with probability 10^-12, so with 100,000
 * tokens the cheap pass is wrong about "exactly one" about once in 10^7 lookups.
 *
 * The seeds come from find's index (find-index.ts): one sealed blob read with the rows, so the
 * cost of a lookup is one SQL scan and a few HMACs per token. What the index lacks is unsealed
 * from the rows and the index is stored again.
 */
import { VerifierError } from './errors.ts';
import { Context } from './context.ts';
import { rekeyableHotp, type RekeyableHotp } from './fast-hotp.ts';
import { SeedIndex } from './find-index.ts';
import { seedAad, unseal } from './seal.ts';
import { prediction } from './signin-window.ts';
import type { FindRow, TokenRow } from './store.ts';
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

/** A match: code1 at step s, code2 at s + 1. */
interface Hit { row: FindRow; step: number }

/** Half-width of the steps searched around a token's prediction, from its sign-in window's. */
type Radius = (row: FindRow, halfWidth: number) => number;

/**
 * The step s where the seed shows code1 at s and code2 at s + 1, with s + 1 within ±radius of the
 * token's predicted step (the nearest such s), or null; and how many steps were searched. code2 is
 * computed only where code1 matched (one in 10^6), so the cost is one HMAC per step: this, per
 * token, is what the bench times.
 */
function matchStep(ctx: Context, row: FindRow, gen: RekeyableHotp, c1: number, c2: number, nowMs: number, radius: Radius): { step: number | null; steps: number } {
  const p = prediction(row, ctx.settings, nowMs);
  const centre = ctx.step(row, nowMs) + p.driftSteps;
  const r = radius(row, p.halfWidth);
  let best: number | null = null;
  const lo = Math.max(0, centre - r - 1);
  for (let s = lo; s <= centre + r - 1; s++) {
    if (gen.at(s) === c1 && gen.at(s + 1) === c2 && (best === null || Math.abs(s + 1 - centre) < Math.abs(best + 1 - centre))) best = s;
  }
  return { step: best, steps: Math.max(0, centre + r - lo) };
}

/** One pass over every token: its matches, and what the audit row and the next pass need. */
interface Pass {
  hits: Hit[];
  tokens: number;
  fromIndex: number;
  /** Steps searched, summed over the tokens, and how long that took (ms). */
  steps: number;
  ms: number;
  /** Steps the whole resync window would take, summed over the tokens. */
  resyncSteps: number;
}

/** A slow pass gives the event loop a turn after about this many steps (~50 ms): sign-ins go on. */
const STEPS_PER_TURN = 100_000;

/**
 * Searches every token within radius, with the seeds from find's index. What the index lacks (a
 * token imported since, or every token when none is stored) is unsealed from the rows, searched,
 * and the index stored again. A seed that does not open is passed over: `list` shows its row as
 * damaged. A fast pass searches each row as it is read; a slow one (the resync window) reads them
 * all first, then searches with turns for the event loop.
 */
async function pass(ctx: Context, digits: number, c1: number, c2: number, nowMs: number, radius: Radius, slow: boolean): Promise<Pass> {
  const t0 = performance.now();
  let index = new SeedIndex();
  // One generator per algorithm, rekeyed for each token (all rows have the digits asked for).
  const gens = new Map<string, RekeyableHotp>();
  const hits: Hit[] = [];
  let steps = 0, resyncSteps = 0, tokens = 0;
  /** Searches row with the seed key[start, end). */
  const match = (row: FindRow, key: Uint8Array, start: number, end: number): void => {
    let gen = gens.get(row.algorithm);
    if (gen) gen.setKey(key, start, end);
    else gens.set(row.algorithm, gen = rekeyableHotp(row.algorithm, key.subarray(start, end), digits));
    const m = matchStep(ctx, row, gen, c1, c2, nowMs, radius);
    steps += m.steps;
    if (m.step !== null) hits.push({ row, step: m.step });
  };
  const later: FindRow[] = [];
  try {
    const scan = await ctx.store.findScan(digits, {
      index: (blob) => { index = SeedIndex.open(ctx.key, blob); },
      row: (row) => {
        tokens++;
        resyncSteps += 2 * Math.ceil(ctx.settings.resyncWindowSeconds / row.period) + 1;
        const at = slow ? -1 : index.locate(row.serial);
        if (at >= 0) match(row, index.bytes, Math.floor(at / 256), Math.floor(at / 256) + (at % 256));
        else later.push(row);
      },
    });
    const missing = later.filter((r) => !index.has(r.serial));
    if (missing.length > 0) {
      const sealed = await ctx.store.sealedSecrets(missing.map((r) => r.serial));
      for (const row of missing) {
        const blob = sealed.get(row.serial);
        const seed = blob && unseal(ctx.key, blob, seedAad(row.serial));
        if (seed) index.add(row.serial, seed);
      }
      // Refused when a token was deleted since the scan: the next lookup builds it again.
      if (index.addedCount > 0) await ctx.store.putFindIndex(index.seal(ctx.key), scan.epoch);
    }
    let turn = steps;
    for (const row of later) {
      const seed = index.seed(row.serial);
      if (seed) match(row, seed, 0, seed.length);
      if (slow && steps - turn >= STEPS_PER_TURN) {
        turn = steps;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return { hits, tokens, fromIndex: index.fromBlob, steps, ms: performance.now() - t0, resyncSteps };
  } finally {
    index.wipe();
  }
}

/**
 * The row as stored now, if its own sealed seed still shows code1 and code2 at the hit's steps: the
 * answer never rests on the index alone. Undefined when it is gone, damaged or does not confirm.
 */
async function confirmed(ctx: Context, hit: Hit, c1: number, c2: number): Promise<TokenRow | undefined> {
  try {
    const row = await ctx.store.getToken(hit.row.serial);
    if (!row || row.state === 'pending') return undefined;
    const gen = ctx.generator(row);
    return gen.digits === hit.row.digits && gen.at(hit.step) === c1 && gen.at(hit.step + 1) === c2 ? row : undefined;
  } catch (e) {
    if (e instanceof VerifierError && e.name === 'CorruptRecord') return undefined;
    throw e;
  }
}

/** Options of a lookup. */
export interface FindOptions {
  /**
   * Search the whole resync window whatever it costs. Unasked, it is searched only while it costs
   * at most settings.findWideBudget steps: over 100,000 tokens it is 576 million HMACs, minutes, and
   * the second pass covers the auto-resync band instead, the drift of a token left in a drawer.
   */
  wide?: boolean;
}

/** How far the lookup searched: the sign-in windows, the auto-resync band, or the resync window. */
type Searched = 'window' | 'band' | 'resync-window';

/** "about 4 min" from ms. */
function about(ms: number): string {
  return ms < 90_000 ? `about ${Math.max(1, Math.round(ms / 1000))} s` : `about ${Math.round(ms / 60_000)} min`;
}

export async function find(ctx: Context, code1: string, code2: string, options: FindOptions = {}): Promise<FindResult> {
  parseCode(code1, 'code1');
  parseCode(code2, 'code2');
  if (code1.length !== code2.length) throw new VerifierError('ValidationError', `code1 and code2 must have the same length, got ${code1.length} and ${code2.length}`);
  if (options.wide !== undefined && typeof options.wide !== 'boolean') throw new VerifierError('ValidationError', 'wide must be true or false');
  const nowMs = ctx.now();
  const c1 = Number(code1), c2 = Number(code2);
  const s = ctx.settings;
  const narrow = await pass(ctx, code1.length, c1, c2, nowMs, (_r, h) => h, false);
  let searched: Searched = 'window';
  let { hits, tokens } = narrow;
  if (hits.length === 0) {
    searched = options.wide === true || narrow.resyncSteps <= s.findWideBudget ? 'resync-window' : 'band';
    const radius: Radius = searched === 'band' ? (_r, h) => Math.max(h, s.autoResyncSteps) : (r) => Math.ceil(s.resyncWindowSeconds / r.period);
    ({ hits, tokens } = await pass(ctx, code1.length, c1, c2, nowMs, radius, true));
  }
  const found: { row: TokenRow; step: number }[] = [];
  for (const hit of hits) {
    const row = await confirmed(ctx, hit, c1, c2);
    if (row) found.push({ row, step: hit.step });
  }
  const detail = { tokens, matches: found.length, searched, fromIndex: narrow.fromIndex };
  if (found.length !== 1) {
    await ctx.store.appendAudit([ctx.audit(nowMs, 'find', { serial: null, user: null }, 'refused', found.length === 0 ? 'none' : 'several', detail)]);
    if (found.length === 0 && searched === 'band') {
      const estimate = narrow.steps > 0 ? ` (${narrow.resyncSteps.toLocaleString('en-US')} HMACs, ${about(narrow.ms / narrow.steps * narrow.resyncSteps)} here)` : '';
      throw new VerifierError('NoSuchEntity',
        `no token shows these two consecutive codes within ±${s.autoResyncSteps} steps of its expected clock; ` +
        `check the codes, or search the whole ±${s.resyncWindowSeconds} s resync window of all ${tokens} tokens${estimate} ` +
        'with --wide (HTTP: "wide": true)');
    }
    if (found.length === 0) {
      throw new VerifierError('NoSuchEntity',
        `no token shows these two consecutive codes within ±${s.resyncWindowSeconds} s of its expected clock; ` +
        'check the codes, or the token is not in this registry');
    }
    throw new VerifierError('AmbiguousMatch',
      `${found.length} tokens show these two codes (${found.slice(0, 5).map((h) => h.row.serial).join(', ')}${found.length > 5 ? ', ...' : ''}); ` +
      'wait for two new consecutive codes and try again');
  }
  const { row, step } = found[0]!;
  const drift = step + 1 - ctx.step(row, nowMs);
  await ctx.store.appendAudit([ctx.audit(nowMs, 'find', row, 'ok', null, { ...detail, driftSteps: drift })]);
  return { serial: row.serial, state: row.state, user: row.user, driftSteps: drift };
}
