/**
 * Soak: the verifier (openVerifier on a real SQLite file in a temp dir) through many simulated days,
 * for HWTOTP_SOAK_SECONDS (default 90), replayable from the printed HWTOTP_SOAK_SEED. Forty users
 * hold one or two tokens each (SHA1/256/512, 6-8 digits, 30 or 60 s, some with a T0) whose clocks
 * drift, jump and get set again. Every 30 s step some of them sign in; others type late, mistype,
 * replay, resync, deactivate and enable again; an operator disables and reactivates; attackers burst
 * wrong codes; idle hours pass and the registry is closed and reopened now and then.
 *
 * Each call is predicted by a model of the documented semantics (verifier/README.md, lockout.ts),
 * with codes from the otpauth package, and checked: the result or error (name, reason, serial,
 * retryAfter, lockedUntil), every field of the tokens involved, and every audit row written. On top,
 * and independently of the model, the soak asserts the invariants themselves:
 * - no code is ever accepted twice (a token's accepted steps only increase, in the results and in
 *   the audit log);
 * - every accepted code is otpauth's code for its token at a step inside its bounded window around the
 *   clock model's prediction (or the next code after a NextCodeRequired);
 * - lockouts follow the schedule (maxFailures consecutive failures, then lockSeconds·2^level capped
 *   at maxLockSeconds), re-derived from the audit log alone at the end;
 * - every check that gets past the argument checks leaves an audit row;
 * - the registry file passes PRAGMA integrity_check, and reopened it holds what the model holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as OTPAuth from 'otpauth';
import { afterAll, expect, it } from 'vitest';
import { openVerifier, VerifierError, type TokenInfo, type TokenRow, type Verifier, type VerifierOptions } from '@hwtotp/verifier';
import { observe, resynced, type ClockModel } from '../../verifier/src/clock-model.ts';
import { NEXT_CODE_MS, searchPlan } from '../../verifier/src/signin-window.ts';
import { T0_MS } from '../verifier/helpers.ts';
import { mulberry32 } from '../helpers/prng.ts';
import { HeapWatch, MB, soakSeconds, soakSeed, soakTimeoutMs } from './soak-env.ts';

const USERS = 40;
const SPARE_TOKENS = 3;
const HEAP_BUDGET = 16 * MB;
/** The documented defaults (verifier/README.md), which the model uses when a preset leaves them out. */
const DOCUMENTED = {
  enableWindowSteps: 10, resyncWindowSeconds: 86400, checkWindowSteps: 1, trustedDriftSteps: 2, maxTokensPerUser: 8,
  maxFailures: 5, lockSeconds: 60, maxLockSeconds: 3600, maxWindowSteps: 10, autoResyncSteps: 20,
  auditMaxAgeDays: 365, auditMaxRows: 200_000, findWideBudget: 20_000_000,
};
/** Settings the run picks from: the defaults, and tighter ones that reach the lock cap often. */
const PRESETS: Partial<typeof DOCUMENTED>[] = [
  {},
  { maxFailures: 3, lockSeconds: 30, maxLockSeconds: 600, checkWindowSteps: 2, enableWindowSteps: 5 },
  { maxFailures: 2, lockSeconds: 5, maxLockSeconds: 40, trustedDriftSteps: 0 },
];

type Alg = 'SHA1' | 'SHA256' | 'SHA512';
type State = 'unassigned' | 'assigned' | 'disabled';

/** A token: what the registry should hold (the model) and the physical token's clock. */
interface Tok {
  serial: string;
  secret: Uint8Array;
  algorithm: Alg;
  digits: number;
  period: number;
  t0: number;
  hotp: OTPAuth.HOTP;
  codes: Map<number, string>;
  // the registry, as the model has it
  state: State;
  user: string | null;
  deviceName: string | null;
  enableDate: number | null;
  driftSteps: number;
  candidateDriftSteps: number | null;
  lastStep: number;
  failures: number;
  lockedUntil: number | null;
  lockLevel: number;
  lastUsed: number | null;
  /** The clock-rate model and a pending NextCodeRequired, kept with the same pure functions the verifier uses. */
  clockModel: ClockModel | null;
  pendingStep: number | null;
  pendingAt: number | null;
  // the device: its clock runs `ppm` fast and is `offset` seconds off at the soak's start
  offset: number;
  ppm: number;
  holder: string | null;
  /** The highest step the registry ever took (check, enable or resync), read from it: invariant bookkeeping. */
  maxAccepted: number;
}

interface User {
  name: string;
  tokens: Tok[];
  /** Tokens this user is to enable (at the start, after a deactivate). */
  pending: Tok[];
  /** A token this user wants to resync (after refusals of real codes, or a lock). */
  resync: Tok | null;
  refusals: number;
  lastAccepted: string | null;
}

interface Row { at: number; action: string; serial: string | null; user: string | null; outcome: string; reason: string | null; detail: { [k: string]: unknown } | null }
interface Err { name: string; reason?: string; serial?: string; retryAfter?: number; lockedUntil?: string }
interface Prediction { ok?: unknown; err?: Err; audit: Row[]; apply: () => void }

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const dirs: string[] = [];
let v: Verifier | undefined;
let reader: Database.Database | undefined;
afterAll(async () => {
  if (reader?.open) reader.close();
  await v?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('the verifier keeps its invariants through many simulated days of sign-ins', async () => {
  const seconds = soakSeconds();
  const seed = soakSeed();
  console.log(`verifier soak: seed ${seed} (replay: HWTOTP_SOAK_SEED=${seed}), ${seconds} s`);
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const chance = (p: number) => rnd() < p;

  const preset = pick(PRESETS);
  const S = { ...DOCUMENTED, ...preset };
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-soak-verifier-'));
  dirs.push(dir);
  const db = join(dir, 'registry.db');
  const clock = { ms: T0_MS };
  const options: VerifierOptions = { db, now: () => clock.ms, env: {}, ...preset };
  v = await openVerifier(options);
  const V = () => v as Verifier;
  expect(V().settings).toEqual(S); // the model's numbers are the registry's

  // ---- tokens and users ---------------------------------------------------------------------------
  const toks = new Map<string, Tok>();
  const newTok = (n: number): Tok => {
    const secret = new Uint8Array(16 + int(49));
    for (let i = 0; i < secret.length; i++) secret[i] = int(256);
    const algorithm = pick(['SHA1', 'SHA1', 'SHA256', 'SHA512'] as const);
    const digits = pick([6, 6, 6, 7, 8]);
    const t: Tok = {
      serial: `HWT-VSOAK-${String(n).padStart(5, '0')}`, secret, algorithm, digits,
      period: chance(0.8) ? 30 : 60, t0: chance(0.8) ? 0 : int(T0_MS / 1000),
      hotp: new OTPAuth.HOTP({ secret: new OTPAuth.Secret({ buffer: secret.slice().buffer }), algorithm, digits }), codes: new Map(),
      state: 'unassigned', user: null, deviceName: null, enableDate: null, driftSteps: 0, candidateDriftSteps: null, lastStep: -1,
      failures: 0, lockedUntil: null, lockLevel: 0, lastUsed: null, clockModel: null, pendingStep: null, pendingAt: null,
      offset: chance(0.8) ? (rnd() * 2 - 1) * 40 : (rnd() * 2 - 1) * 900, ppm: (rnd() * 2 - 1) * 40, holder: null, maxAccepted: -1,
    };
    toks.set(t.serial, t);
    return t;
  };
  const users: User[] = [];
  let n = 0;
  for (let i = 0; i < USERS; i++) {
    const u: User = { name: `user-${String(i).padStart(3, '0')}`, tokens: [], pending: [], resync: null, refusals: 0, lastAccepted: null };
    for (let k = chance(0.3) ? 2 : 1; k > 0; k--) {
      const t = newTok(++n);
      t.holder = u.name;
      u.tokens.push(t);
      u.pending.push(t);
    }
    users.push(u);
  }
  for (let i = 0; i < SPARE_TOKENS; i++) newTok(++n);
  await V().importTokens([...toks.values()].map((t) => ({ serial: t.serial, secret: t.secret, algorithm: t.algorithm, digits: t.digits, period: t.period, t0: t.t0 })));

  // ---- the oracle and the clocks ------------------------------------------------------------------
  /** otpauth's code of token t at step s. */
  const code = (t: Tok, s: number): string => {
    let c = t.codes.get(s);
    if (c === undefined) {
      if (t.codes.size > 64) t.codes.clear();
      c = t.hotp.generate({ counter: s });
      t.codes.set(s, c);
    }
    return c;
  };
  /** The registry's step for t now (RFC 6238: floor((unix - T0) / X)). */
  const step = (t: Tok, ms = clock.ms) => Math.floor((Math.floor(ms / 1000) - t.t0) / t.period);
  /** The step the physical token shows now. */
  const deviceStep = (t: Tok, ms = clock.ms) => {
    const time = ms / 1000 + t.offset + (t.ppm * 1e-6 * (ms - T0_MS)) / 1000;
    return Math.floor((Math.floor(time) - t.t0) / t.period);
  };
  /** The holder sets the token's clock right (hwtotp settime): its error is gone, its crystal still drifts. */
  const setClock = (t: Tok) => {
    t.offset = -(t.ppm * 1e-6 * (clock.ms - T0_MS)) / 1000;
  };
  const isLocked = (t: Tok, ms: number) => t.lockedUntil !== null && t.lockedUntil > ms;
  const lockDuration = (level: number) => Math.min(S.lockSeconds * 2 ** level, S.maxLockSeconds);
  /** Tokens the registry holds for a user (assigned or disabled), oldest enable first. */
  const held = (user: string) => [...toks.values()].filter((t) => t.user === user && (t.state === 'assigned' || t.state === 'disabled'))
    .sort((a, b) => (a.enableDate ?? 0) - (b.enableDate ?? 0) || (a.serial < b.serial ? -1 : 1));
  /** The check window and the auto-resync band (signin-window.ts: around the clock model's prediction). */
  const plan = (t: Tok, now: number) => searchPlan(t as unknown as TokenRow, S, clock.ms, now);
  /**
   * Where two consecutive codes of t lie in [center - radius, center + radius - 1], closest first.
   * The codes always come from one known step pair `at` (or none): another pair with the same two
   * codes in a window of a few thousand steps has a chance of about 1 in 10^8 or less, so it is left out.
   */
  const pairIn = (at: number | null, center: number, radius: number) =>
    at !== null && at >= Math.max(0, center - radius) && at <= center + radius - 1 ? [at] : [];

  const row = (action: string, t: { serial: string | null; user: string | null }, outcome: string, reason: string | null = null, detail: Row['detail'] = null): Row =>
    ({ at: clock.ms, action, serial: t.serial, user: t.user, outcome, reason, detail });
  const lockedErr = (t: Tok): Err => {
    const until = t.lockedUntil ?? clock.ms;
    return { name: 'EntityTemporarilyUnmodifiable', serial: t.serial, lockedUntil: iso(until)!, retryAfter: Math.max(1, Math.ceil((until - clock.ms) / 1000)), reason: 'locked' };
  };

  // ---- predictions of each operation ---------------------------------------------------------------
  const predictCheck = (user: string, c: string): Prediction => {
    const nowMs = clock.ms;
    if (!/^[0-9]*$/.test(c) || c.length < 6 || c.length > 8) return { err: { name: 'ValidationError' }, audit: [], apply: () => undefined };
    const rows = held(user);
    if (rows.length === 0) return { err: { name: 'NoSuchEntity' }, audit: [row('check', { serial: null, user }, 'refused', 'no-token')], apply: () => undefined };
    const active = rows.filter((t) => t.state === 'assigned');
    if (active.length === 0) {
      return { err: { name: 'TokenDisabled', serial: rows.length === 1 ? rows[0]!.serial : undefined }, audit: [row('check', { serial: null, user }, 'refused', 'disabled')], apply: () => undefined };
    }
    const fits = active.filter((t) => t.digits === c.length);
    if (fits.length === 0) {
      return { err: { name: 'ValidationError' }, audit: [row('check', { serial: active.length === 1 ? active[0]!.serial : null, user }, 'refused', 'code-length')], apply: () => undefined };
    }
    let replayed: Tok | null = null;
    let lockedMatch: Tok | null = null;
    let inBand: { t: Tok; step: number } | null = null;
    const codeIs = (t: Tok, s: number) => s >= 0 && code(t, s) === c;
    for (const t of fits) {
      const now = step(t);
      const p = plan(t, now);
      let matched = p.window.filter((s) => codeIs(t, s));
      let how: 'window' | 'next-code' = 'window';
      const pending = t.pendingStep !== null && t.pendingAt !== null && nowMs - t.pendingAt <= NEXT_CODE_MS ? t.pendingStep : null;
      if (matched.length === 0 && pending !== null) {
        if (codeIs(t, pending)) { replayed = t; continue; }
        matched = [pending + 1].filter((s) => codeIs(t, s));
        how = 'next-code';
      }
      if (matched.length === 0) {
        const hit = p.band.filter((b) => b > t.lastStep && codeIs(t, b));
        if (hit.length > 0 && !inBand) {
          const st = hit.reduce((a, b) => (Math.abs(a - now - p.driftSteps) <= Math.abs(b - now - p.driftSteps) ? a : b));
          if (isLocked(t, nowMs)) lockedMatch = t;
          else inBand = { t, step: st };
        }
        continue;
      }
      if (isLocked(t, nowMs)) {
        lockedMatch = t;
        continue;
      }
      const s = Math.max(...matched);
      if (s <= t.lastStep) {
        replayed = t;
        continue;
      }
      const model = (how === 'next-code' ? resynced : observe)(t.clockModel, s, nowMs, t.period, t.t0);
      return {
        ok: { ok: true, serial: t.serial },
        audit: [row('check', t, 'accepted', how === 'next-code' ? 'next-code' : null,
          { driftSteps: s - now, ...(how === 'next-code' ? { previousDriftSteps: p.driftSteps } : {}) })],
        apply: () => Object.assign(t, {
          lastStep: s, driftSteps: s - now, candidateDriftSteps: null, clockModel: model, pendingStep: null, pendingAt: null,
          failures: 0, lockLevel: 0, lockedUntil: null, lastUsed: nowMs,
        }),
      };
    }
    if (replayed) return { err: { name: 'InvalidAuthenticationCode', serial: replayed.serial, reason: 'replay' }, audit: [row('check', replayed, 'refused', 'replay')], apply: () => undefined };
    if (lockedMatch) return { err: lockedErr(lockedMatch), audit: [row('check', lockedMatch, 'refused', 'locked')], apply: () => undefined };
    if (inBand) {
      // NextCodeRequired: one failure on that token, and its step kept for the next code.
      const { t, step: st } = inBand;
      const audit = [row('check', t, 'refused', 'next-code-required', { failures: t.failures + 1 })];
      const pendingPatch = { pendingStep: st, pendingAt: nowMs };
      if (t.failures + 1 < S.maxFailures) {
        return { err: { name: 'NextCodeRequired', serial: t.serial, reason: 'next-code-required' }, audit,
          apply: () => Object.assign(t, { failures: t.failures + 1, ...pendingPatch }) };
      }
      const secs = lockDuration(t.lockLevel);
      audit.push(row('lock', t, 'ok', 'too-many-failures', { seconds: secs, level: t.lockLevel + 1 }));
      const until = nowMs + secs * 1000;
      return { err: lockedErr({ ...t, lockedUntil: until }), audit,
        apply: () => Object.assign(t, { failures: 0, lockLevel: t.lockLevel + 1, lockedUntil: until, ...pendingPatch }) };
    }
    const audit: Row[] = [];
    const patches: [Tok, Partial<Tok>][] = [];
    const after: { t: Tok; lockedUntil: number | null }[] = [];
    for (const t of fits) {
      if (isLocked(t, nowMs)) {
        audit.push(row('check', t, 'refused', 'locked'));
        after.push({ t, lockedUntil: t.lockedUntil });
        continue;
      }
      audit.push(row('check', t, 'refused', 'wrong-code', { failures: t.failures + 1 }));
      if (t.failures + 1 < S.maxFailures) {
        patches.push([t, { failures: t.failures + 1 }]);
        after.push({ t, lockedUntil: t.lockedUntil });
      } else {
        const secs = lockDuration(t.lockLevel);
        audit.push(row('lock', t, 'ok', 'too-many-failures', { seconds: secs, level: t.lockLevel + 1 }));
        patches.push([t, { failures: 0, lockLevel: t.lockLevel + 1, lockedUntil: nowMs + secs * 1000 }]);
        after.push({ t, lockedUntil: nowMs + secs * 1000 });
      }
    }
    let err: Err;
    if (after.every((a) => a.lockedUntil !== null && a.lockedUntil > nowMs)) {
      const first = after.reduce((a, b) => ((a.lockedUntil ?? 0) <= (b.lockedUntil ?? 0) ? a : b));
      err = lockedErr({ ...first.t, lockedUntil: first.lockedUntil });
    } else err = { name: 'InvalidAuthenticationCode', serial: fits.length === 1 ? fits[0]!.serial : undefined, reason: 'wrong-code' };
    return { err, audit, apply: () => patches.forEach(([t, p]) => Object.assign(t, p)) };
  };

  /** enable with codes of the device's steps (at, at + 1), or wrong codes when at is null. */
  const predictEnable = (user: string, t: Tok, at: number | null): Prediction => {
    const nowMs = clock.ms;
    const refuse = (reason: string, detail: Row['detail'] = null) => row('enable', { serial: t.serial, user }, 'refused', reason, detail);
    if (t.state === 'disabled') return { err: { name: 'TokenDisabled', serial: t.serial }, audit: [refuse('disabled')], apply: () => undefined };
    if (t.state === 'assigned') return { err: { name: 'EntityAlreadyExists', serial: t.serial }, audit: [refuse('already-assigned')], apply: () => undefined };
    const h = held(user).length;
    if (h >= S.maxTokensPerUser) return { err: { name: 'LimitExceeded' }, audit: [refuse('limit', { tokens: h })], apply: () => undefined };
    const now = step(t);
    const expected = t.driftSteps;
    const found = pairIn(at, now + expected, S.enableWindowSteps).filter((s) => s > t.lastStep);
    if (found.length === 0) {
      const far = pairIn(at, now, Math.ceil(S.resyncWindowSeconds / t.period)).filter((s) => s > t.lastStep);
      if (far.length > 0) return { err: { name: 'ClockSkew', serial: t.serial, reason: 'clock-skew' }, audit: [refuse('clock-skew', { offsetSteps: far[0]! + 1 - now })], apply: () => undefined };
      return { err: { name: 'InvalidAuthenticationCode', serial: t.serial, reason: 'wrong-code' }, audit: [refuse('wrong-code')], apply: () => undefined };
    }
    const s = found[0]!;
    const drift = s + 1 - now;
    const late = Math.abs(drift - expected) > S.trustedDriftSteps;
    return {
      ok: { serial: t.serial, enableDate: iso(nowMs) },
      audit: [row('enable', { serial: t.serial, user }, 'ok', late ? 'late-codes' : null, { driftSteps: drift, ...(late ? { candidateDriftSteps: expected } : {}) })],
      apply: () => Object.assign(t, {
        state: 'assigned', user, deviceName: `${user}'s token`, enableDate: nowMs, driftSteps: drift, candidateDriftSteps: late ? expected : null,
        clockModel: late ? null : observe(null, s + 1, nowMs, t.period, t.t0), pendingStep: null, pendingAt: null,
        lastStep: s + 1, failures: 0, lockedUntil: null, lockLevel: 0,
      }),
    };
  };

  const predictResync = (user: string, t: Tok, at: number | null): Prediction => {
    const refuse = (reason: string) => row('resync', { serial: t.serial, user }, 'refused', reason);
    if (t.user !== user || (t.state !== 'assigned' && t.state !== 'disabled')) return { err: { name: 'NoSuchEntity', serial: t.serial }, audit: [refuse('not-owner')], apply: () => undefined };
    if (t.state === 'disabled') return { err: { name: 'TokenDisabled', serial: t.serial }, audit: [refuse('disabled')], apply: () => undefined };
    const now = step(t);
    const all = pairIn(at, now, Math.ceil(S.resyncWindowSeconds / t.period));
    const fresh = all.filter((s) => s > t.lastStep);
    if (fresh.length === 0) {
      const reason = all.length > 0 ? 'replay' : 'wrong-code';
      return { err: { name: 'InvalidAuthenticationCode', serial: t.serial, reason }, audit: [row('resync', t, 'refused', reason)], apply: () => undefined };
    }
    const s = fresh[0]!;
    const drift = s + 1 - now;
    return {
      ok: { serial: t.serial, driftSteps: drift },
      audit: [row('resync', t, 'ok', null, { driftSteps: drift, previousDriftSteps: t.driftSteps })],
      apply: () => Object.assign(t, {
        driftSteps: drift, candidateDriftSteps: null, clockModel: resynced(t.clockModel, s + 1, clock.ms, t.period, t.t0), pendingStep: null, pendingAt: null,
        lastStep: s + 1, failures: 0, lockedUntil: null, lockLevel: 0,
      }),
    };
  };

  const predictDeactivate = (user: string, t: Tok): Prediction => {
    if (t.user !== user) return { err: { name: 'NoSuchEntity', serial: t.serial }, audit: [row('deactivate', { serial: t.serial, user }, 'refused', 'not-owner')], apply: () => undefined };
    return {
      ok: undefined,
      audit: [row('deactivate', t, 'ok')],
      apply: () => Object.assign(t, {
        state: t.state === 'disabled' ? 'disabled' : 'unassigned', user: null, deviceName: null, enableDate: null,
        driftSteps: 0, candidateDriftSteps: null, clockModel: null, pendingStep: null, pendingAt: null, failures: 0, lockedUntil: null, lockLevel: 0,
      }),
    };
  };

  // ---- running an operation against the registry and the model ------------------------------------
  reader = new Database(db, { readonly: true });
  const newAudit = reader.prepare('SELECT id, at, action, serial, user, outcome, reason, detail FROM audit WHERE id > ? ORDER BY id');
  let lastAuditId = (reader.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM audit').get() as { m: number }).m;
  const readAudit = (): Row[] => {
    const raw = newAudit.all(lastAuditId) as (Omit<Row, 'detail'> & { id: number; detail: string | null })[];
    if (raw.length) lastAuditId = raw[raw.length - 1]!.id;
    return raw.map(({ id: _id, detail, ...r }) => ({ ...r, detail: detail === null ? null : JSON.parse(detail) }));
  };

  const view = (t: Tok) => ({
    state: t.state, user: t.user, deviceName: t.deviceName, enableDate: iso(t.enableDate), driftSteps: t.driftSteps,
    candidateDriftSteps: t.candidateDriftSteps, lastStep: t.lastStep < 0 ? null : t.lastStep, failures: t.failures,
    lockedUntil: iso(t.lockedUntil), lockLevel: t.lockLevel, lastUsed: iso(t.lastUsed),
  });
  const compareToken = async (t: Tok) => {
    const info = await V().token(t.serial);
    const got = {
      state: info.state, user: info.user, deviceName: info.deviceName, enableDate: info.enableDate, driftSteps: info.driftSteps,
      candidateDriftSteps: info.candidateDriftSteps, lastStep: info.lastStep, failures: info.failures, lockedUntil: info.lockedUntil,
      lockLevel: info.lockLevel, lastUsed: info.lastUsed,
    };
    expect(got, `registry row of ${t.serial}`).toEqual(view(t));
  };

  const stats = {
    ops: 0, checks: 0, accepted: 0, refused: {} as { [reason: string]: number }, locks: [] as number[], enables: {} as { [k: string]: number },
    resyncs: {} as { [k: string]: number }, deactivations: 0, disables: 0, reopens: 0, attacks: 0, auditRows: 0, steps: 0, idleJumps: 0,
    checksWithRows: 0,
  };
  const count = (o: { [k: string]: number }, k: string) => (o[k] = (o[k] ?? 0) + 1);
  const trail: string[] = [];
  const note = (s: string) => {
    trail.push(`${stats.ops}: ${new Date(clock.ms).toISOString()} ${s}`);
    if (trail.length > 20) trail.shift();
  };

  /** Calls the registry, then compares result, tokens and audit rows with the prediction and applies it. */
  const run = async (what: string, p: Prediction, call: () => Promise<unknown>, touched: Tok[]) => {
    stats.ops++;
    note(`${what} → ${p.err ? `${p.err.name} ${p.err.reason ?? ''}` : 'ok'}`);
    let got: { ok?: unknown; err?: Err };
    try {
      got = { ok: await call() };
    } catch (e) {
      if (!(e instanceof VerifierError)) throw e;
      got = { err: { name: e.name, reason: e.reason, serial: e.serial, retryAfter: e.retryAfter, lockedUntil: e.lockedUntil } };
    }
    expect(got, what).toEqual(p.err ? { err: p.err } : { ok: p.ok });
    const rows = readAudit();
    stats.auditRows += rows.length;
    expect(rows, `audit rows of ${what}`).toEqual(p.audit);
    p.apply();
    for (const t of touched) await compareToken(t);
    return got;
  };

  /**
   * A sign-in. Besides the model's prediction, the invariants are asserted from the registry's own
   * view of the user's tokens before and after, so they hold even where the model might be wrong.
   */
  const signIn = async (u: User, c: string, why: string) => {
    const before = new Map<string, TokenInfo>();
    for (const e of await V().list(u.name)) before.set(e.serial, await V().token(e.serial));
    const p = predictCheck(u.name, c);
    const parsedOk = /^[0-9]{6,8}$/.test(c);
    const auditBefore = stats.auditRows;
    const got = await run(`check ${u.name} ${why}`, p, () => V().check(u.name, c), held(u.name));
    stats.checks++;
    if (parsedOk) {
      // every check that got past the argument checks left a row
      expect(stats.auditRows - auditBefore, `audit rows for a check (${why})`).toBeGreaterThan(0);
      stats.checksWithRows++;
    }
    if (got.ok) {
      stats.accepted++;
      const serial = (got.ok as { serial: string }).serial;
      const t = toks.get(serial)!;
      const b = before.get(serial);
      expect(b, `${serial} accepted for ${u.name}, who did not hold it`).toBeDefined();
      const s = (await V().token(serial)).lastStep!;
      // never a step already accepted (so never the same code twice) ...
      expect(s, `${serial} accepted a step it had already passed`).toBeGreaterThan(Math.max(b!.lastStep ?? -1, t.maxAccepted));
      // ... always the token's code at that step (otpauth), inside its bounded window around the
      // predicted drift (or a candidate's ±w), or the next code after a NextCodeRequired in the band ...
      expect(code(t, s)).toBe(c);
      expect(b!.windowSteps).toBeLessThanOrEqual(Math.max(S.maxWindowSteps, S.checkWindowSteps));
      const near = (d: number, w: number) => Math.abs(s - (step(t) + d)) <= w;
      expect(near(b!.driftNowSteps, b!.windowSteps) || (b!.candidateDriftSteps !== null && near(b!.candidateDriftSteps, S.checkWindowSteps)) ||
        near(b!.driftNowSteps, S.autoResyncSteps + 1), `${serial} accepted step ${s} outside its window`).toBe(true);
      // ... and never while locked
      expect(b!.lockedUntil === null || Date.parse(b!.lockedUntil) <= clock.ms, `${serial} accepted a code while locked`).toBe(true);
      t.maxAccepted = s;
      u.lastAccepted = c;
      u.refusals = 0;
    } else count(stats.refused, got.err!.reason ?? got.err!.name);
    return got;
  };

  /** After an enable or resync succeeded: the step it took is past every step accepted before. */
  const tookStep = async (t: Tok) => {
    const s = (await V().token(t.serial)).lastStep!;
    expect(s, `${t.serial} took a step it had already passed`).toBeGreaterThan(t.maxAccepted);
    t.maxAccepted = s;
  };

  const enable = async (u: User, t: Tok, late: number) => {
    const at = deviceStep(t) - 1 - late;
    const p = predictEnable(u.name, t, at);
    const got = await run(`enable ${t.serial} by ${u.name}, ${late} steps late`, p, () => V().enable(u.name, `${u.name}'s token`, t.serial, code(t, at), code(t, at + 1)), [t]);
    count(stats.enables, got.ok ? (t.candidateDriftSteps !== null ? 'ok with late codes' : 'ok') : got.err!.reason ?? got.err!.name);
    if (got.ok) {
      await tookStep(t);
      u.pending.splice(u.pending.indexOf(t), 1);
    } else if (got.err!.reason === 'clock-skew' || got.err!.reason === 'wrong-code') setClock(t); // as the advice says
  };

  const resync = async (u: User, t: Tok, wrong = false) => {
    const at = wrong ? null : deviceStep(t) - 1;
    const c1 = at === null ? String(int(10 ** t.digits)).padStart(t.digits, '0') : code(t, at);
    const c2 = at === null ? String(int(10 ** t.digits)).padStart(t.digits, '0') : code(t, at + 1);
    const p = predictResync(u.name, t, at);
    const got = await run(`resync ${t.serial} by ${u.name}${wrong ? ' with wrong codes' : ''}`, p, () => V().resync(u.name, t.serial, c1, c2), [t]);
    count(stats.resyncs, got.ok ? 'ok' : got.err!.reason ?? got.err!.name);
    if (got.ok) {
      await tookStep(t);
      if (u.resync === t) u.resync = null;
      u.refusals = 0;
    } else if (!wrong && u.resync === t) setClock(t); // codes before the last step, or a day out: set the clock
  };

  // ---- one user's turn ------------------------------------------------------------------------------
  const act = async (u: User) => {
    if (u.pending.length) return enable(u, u.pending[0]!, chance(0.8) ? 0 : int(9));
    if (u.resync && u.resync.state === 'assigned' && u.resync.user === u.name) return resync(u, u.resync);
    u.resync = null;
    const mine = u.tokens.filter((t) => t.user === u.name && t.state === 'assigned');
    const r = rnd();
    if (mine.length === 0) {
      // all of this user's tokens are disabled by the operator: the sign-in says so
      await signIn(u, '123456', 'with every token disabled');
      return;
    }
    const t = pick(mine);
    if (r < 0.72 || r >= 0.95) {
      const got = await signIn(u, code(t, deviceStep(t)), 'with the code shown');
      if (got.err && got.err.reason !== 'replay') {
        // a real code refused: after two of those, or a lock, the user resyncs
        if (++u.refusals >= 2 || got.err.name === 'EntityTemporarilyUnmodifiable') u.resync = t;
      }
    } else if (r < 0.77) await signIn(u, code(t, deviceStep(t) - 1), 'with the code just gone');
    else if (r < 0.85) await signIn(u, String(int(10 ** t.digits)).padStart(t.digits, '0'), 'mistyped');
    else if (r < 0.88) {
      if (u.lastAccepted) await signIn(u, u.lastAccepted, 'replaying an accepted code');
    } else if (r < 0.9) {
      const lengths = new Set(mine.map((x) => x.digits));
      const bad = pick([...[6, 7, 8].filter((l) => !lengths.has(l)).map((l) => '1'.repeat(l)), '12345', '123456789', '12a456', '']);
      await signIn(u, bad, `malformed "${bad}"`);
    } else if (r < 0.915) await resync(u, t, chance(0.3));
    else if (r < 0.925) {
      const p = predictDeactivate(u.name, t);
      await run(`deactivate ${t.serial} by ${u.name}`, p, () => V().deactivate(u.name, t.serial), [t]);
      stats.deactivations++;
      u.pending.push(t);
    } else if (r < 0.93) {
      // someone else's token: refused, and audited
      const other = pick([...toks.values()].filter((x) => x.user !== u.name));
      if (chance(0.5)) await run(`deactivate ${other.serial} by ${u.name}`, predictDeactivate(u.name, other), () => V().deactivate(u.name, other.serial), [other]);
      else {
        const at = deviceStep(other) - 1;
        await run(`resync ${other.serial} by ${u.name}`, predictResync(u.name, other, at), () => V().resync(u.name, other.serial, code(other, at), code(other, at + 1)), [other]);
      }
    } else if (r < 0.935) {
      await signIn({ ...u, name: `ghost-${int(1000)}` }, code(t, deviceStep(t)), 'as an unknown user');
    } else if (r < 0.94) {
      // the operator disables a token for a while
      await V().disable(t.serial);
      stats.ops++;
      const rows = readAudit();
      stats.auditRows += rows.length;
      expect(rows).toEqual([row('disable', t, 'ok')]);
      t.state = 'disabled';
      disabled.push({ t, until: clock.ms + (1 + int(180)) * 60_000 });
      stats.disables++;
      await compareToken(t);
    } else {
      // the token's clock moves: a little, a lot (battery swap), or more than a day
      const k = rnd();
      t.offset += k < 0.6 ? (rnd() * 2 - 1) * 45 : k < 0.95 ? (rnd() * 2 - 1) * 6 * 3600 : (chance(0.5) ? 1 : -1) * (1.2 + rnd()) * 86400;
      note(`${t.serial}'s clock is now ${t.offset.toFixed(0)} s off`);
    }
  };
  const disabled: { t: Tok; until: number }[] = [];

  const reactivateDue = async () => {
    for (const d of disabled.filter((x) => x.until <= clock.ms)) {
      disabled.splice(disabled.indexOf(d), 1);
      const t = d.t;
      await V().reactivate(t.serial);
      stats.ops++;
      const rows = readAudit();
      stats.auditRows += rows.length;
      expect(rows).toEqual([row('reactivate', t, 'ok')]);
      Object.assign(t, { state: t.user ? 'assigned' : 'unassigned', failures: 0, lockedUntil: null });
      await compareToken(t);
    }
  };

  /**
   * An attacker guesses at a user's codes; when the tokens lock, waits the lock out and goes on, so
   * the lock level climbs to the cap. Time passes for everyone meanwhile.
   */
  const attack = async () => {
    const u = pick(users);
    const mine = u.tokens.filter((t) => t.user === u.name && t.state === 'assigned');
    if (mine.length === 0) return;
    const digits = pick(mine).digits;
    stats.attacks++;
    for (let rounds = 1 + int(9); rounds > 0; rounds--) {
      for (let k = 0; k < S.maxFailures + 1; k++) {
        clock.ms += 1 + int(1500);
        const got = await signIn(u, String(int(10 ** digits)).padStart(digits, '0'), 'guessed by an attacker');
        if (got.err?.name === 'EntityTemporarilyUnmodifiable') {
          clock.ms = Date.parse(got.err.lockedUntil!) + int(5000);
          break;
        }
      }
    }
  };

  // ---- the run ------------------------------------------------------------------------------------
  const heap = new HeapWatch();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let nextSample = t0 + seconds * 250;
  try {
    while (performance.now() < deadline) {
      // one 30 s step: a few users act at sorted moments within it
      const stepStart = Math.floor(clock.ms / 30_000) * 30_000 + 30_000;
      const moments = Array.from({ length: 1 + int(4) }, () => int(29_000)).sort((a, b) => a - b);
      for (const m of moments) {
        clock.ms = Math.max(clock.ms, stepStart + m);
        await reactivateDue();
        await act(pick(users));
      }
      if (chance(0.03)) await attack();
      stats.steps++;
      if (chance(0.04)) {
        // the night: nobody signs in for minutes to hours
        clock.ms += (5 + int(12 * 60)) * 60_000;
        stats.idleJumps++;
      }
      if (chance(0.002)) {
        await V().close();
        v = await openVerifier(options);
        stats.reopens++;
        for (const t of toks.values()) await compareToken(t);
      }
      const now = performance.now();
      if (now >= nextSample) {
        if (heap.baseline === undefined) heap.start();
        else heap.sample();
        nextSample = now + Math.max(2000, seconds * 50);
      }
    }
  } catch (e) {
    if (e instanceof Error) e.message = `[verifier soak, seed ${seed}, op ${stats.ops}] ${e.message}\nlast operations:\n  ${trail.join('\n  ')}`;
    throw e;
  }

  // ---- the invariants again, from the audit log alone -------------------------------------------------
  const all = reader.prepare('SELECT id, at, action, serial, user, outcome, reason, detail FROM audit ORDER BY id').all() as (Omit<Row, 'detail'> & { id: number; detail: string | null })[];
  const lastAccepted = new Map<string, number>();
  const lock = new Map<string, { until: number; level: number; failures: number }>();
  let checkRows = 0;
  for (const a of all) {
    if (a.action === 'check') checkRows++;
    if (!a.serial) continue;
    const t = toks.get(a.serial)!;
    const detail = a.detail === null ? null : (JSON.parse(a.detail) as { [k: string]: number });
    const l = lock.get(a.serial) ?? { until: 0, level: 0, failures: 0 };
    lock.set(a.serial, l);
    const accepted = (a.action === 'check' && a.outcome === 'accepted') || (a.action === 'enable' && a.outcome === 'ok') || (a.action === 'resync' && a.outcome === 'ok');
    if (accepted) {
      // the step it accepted: the registry's step at that time plus the drift it recorded
      const s = Math.floor((Math.floor(a.at / 1000) - t.t0) / t.period) + detail!.driftSteps!;
      expect(s, `audit ${a.id}: ${a.serial} accepted step ${s} after ${lastAccepted.get(a.serial)}`).toBeGreaterThan(lastAccepted.get(a.serial) ?? -1);
      lastAccepted.set(a.serial, s);
      if (a.action === 'check') expect(l.until, `audit ${a.id}: ${a.serial} accepted a code while locked`).toBeLessThanOrEqual(a.at);
      Object.assign(l, { until: 0, level: 0, failures: 0 });
    } else if (a.action === 'check' && (a.reason === 'wrong-code' || a.reason === 'next-code-required')) {
      // A NextCodeRequired counts one failure, like a wrong code.
      expect(l.until, `audit ${a.id}: a failure counted on a locked token`).toBeLessThanOrEqual(a.at);
      expect(detail!.failures).toBe(l.failures + 1);
      l.failures++;
    } else if (a.action === 'lock') {
      expect(l.failures, `audit ${a.id}: a lock after ${l.failures} failures`).toBe(S.maxFailures);
      expect(detail).toEqual({ seconds: Math.min(S.lockSeconds * 2 ** l.level, S.maxLockSeconds), level: l.level + 1 });
      Object.assign(l, { until: a.at + detail!.seconds! * 1000, level: l.level + 1, failures: 0 });
      stats.locks[l.level] = (stats.locks[l.level] ?? 0) + 1;
    } else if (a.action === 'deactivate' && a.outcome === 'ok') Object.assign(l, { until: 0, level: 0, failures: 0 });
    else if (a.action === 'reactivate') Object.assign(l, { until: 0, failures: 0 });
  }
  expect(checkRows).toBeGreaterThanOrEqual(stats.checksWithRows);
  reader.close();

  // ---- the file: closed, checked, reopened ------------------------------------------------------------
  const growth = heap.growth('verifier soak');
  await V().close();
  const check = new Database(db, { readonly: true });
  expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(check.pragma('foreign_key_check')).toEqual([]);
  const fileRows = (check.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
  check.close();
  v = await openVerifier(options);
  for (const t of toks.values()) await compareToken(t);

  const days = (clock.ms - T0_MS) / 86_400_000;
  console.log(`verifier soak: seed ${seed}, settings ${JSON.stringify(preset)}, ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
    `${days.toFixed(1)} simulated days in ${stats.steps} steps (${stats.idleJumps} idle gaps), ${users.length} users, ${toks.size} tokens: ` +
    `${stats.checks} checks (${stats.accepted} accepted; refused ${JSON.stringify(stats.refused)}), ${stats.attacks} attacks, ` +
    `locks by level ${JSON.stringify(Array.from(stats.locks, (x) => x ?? 0).slice(1))}, enables ${JSON.stringify(stats.enables)}, resyncs ${JSON.stringify(stats.resyncs)}, ` +
    `${stats.deactivations} deactivations, ${stats.disables} operator disables, ${stats.reopens} reopens; ${stats.auditRows} audit rows predicted and matched ` +
    `(${fileRows} in the file), integrity_check ok; ${heap.describe()}`);
  expect(stats.accepted).toBeGreaterThan(0);
  if (growth !== undefined) expect(growth, `heap grew ${(growth / MB).toFixed(1)} MB over the soak`).toBeLessThan(HEAP_BUDGET);
}, soakTimeoutMs());
