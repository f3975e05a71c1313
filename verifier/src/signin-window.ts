/**
 * Which steps a sign-in code may match for one token at one time, and which fall in the
 * auto-resync band around them.
 *
 * The window is RFC 6238 §5.2's ±checkWindowSteps around the predicted step, widened by the clock
 * model's added uncertainty (clock-model.ts) and never beyond ±maxWindowSteps of the prediction.
 * A token with no model yet (imported, or enrolled with late codes) is searched around now + its
 * stored drift, as before the model existed; a second candidate drift (enroll.ts "Late codes") adds
 * ±checkWindowSteps around it.
 *
 * The band is ±autoResyncSteps around the prediction, minus the window: a code there is refused
 * with NextCodeRequired, and the token's next code then signs in (signin.ts).
 */
import { predict } from './clock-model.ts';
import type { Settings } from './context.ts';
import type { TokenRow } from './store.ts';

/** The steps to search, and the predicted drift they are centred on. */
export interface SearchPlan {
  /** Predicted token step − server step now. */
  driftSteps: number;
  /** Half-width of the window around the prediction (≤ maxWindowSteps). */
  halfWidth: number;
  window: number[];
  band: number[];
}

/** How long after a NextCodeRequired the token's next code is accepted: 3 minutes. */
export const NEXT_CODE_MS = 180_000;

/** The prediction and half-width for a row at nowMs (server step `now`). */
export function prediction(row: Pick<TokenRow, 'clockModel' | 'driftSteps' | 'period' | 't0'>, s: Settings, nowMs: number): { driftSteps: number; halfWidth: number } {
  if (row.clockModel === null) return { driftSteps: row.driftSteps, halfWidth: s.checkWindowSteps };
  const p = predict(row.clockModel, nowMs, row.period, row.t0);
  return { driftSteps: p.driftSteps, halfWidth: Math.min(s.maxWindowSteps, s.checkWindowSteps + p.extraSteps) };
}

export function searchPlan(row: TokenRow, s: Settings, nowMs: number, now: number): SearchPlan {
  const { driftSteps, halfWidth } = prediction(row, s, nowMs);
  const centre = now + driftSteps;
  const window: number[] = [];
  for (let o = -halfWidth; o <= halfWidth; o++) window.push(centre + o);
  const c = row.candidateDriftSteps;
  if (c !== null) {
    for (let o = -s.checkWindowSteps; o <= s.checkWindowSteps; o++) if (!window.includes(now + c + o)) window.push(now + c + o);
  }
  const band: number[] = [];
  for (let o = -s.autoResyncSteps; o <= s.autoResyncSteps; o++) {
    if (!window.includes(centre + o)) band.push(centre + o);
  }
  return { driftSteps, halfWidth, window, band };
}
