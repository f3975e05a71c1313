/**
 * The clock-rate model of one token: where its clock stands against the server's, how fast it
 * runs, and how sure we are of both. Pure math, no I/O.
 *
 * What is observed. Each accepted code (sign-in, enrollment, resync) says: at server time t the
 * person typed the code of token step s. The token showed step s somewhere in a whole step, and the
 * person typed it up to about a step later. So the *typed offset* φ = (s + ½)·P + T0 − t (how far
 * the middle of the typed step lies ahead of the server, in seconds) is known only to within
 * ±P/2 of quantization plus a typing delay of 0 to P: an error of variance R = P²/12 + P²/12 = P²/6
 * (two independent uniform errors; the typing delay's mean is absorbed into φ).
 *
 * What is estimated. A crystal runs at a nearly constant rate (tens of ppm), so φ(t) = φ₀ + r·(t − t₀)
 * with two unknowns, the offset φ₀ at the last observation and the rate r (seconds per second; ×10⁶
 * is ppm). We keep their estimate and 2×2 covariance, updated by a Kalman filter with no process
 * noise: this is exactly the weighted least-squares line through every observation so far, with a
 * prior of 0 ± RATE_PRIOR_PPM on the rate, but stored in six numbers instead of a history.
 *
 * Why a rate is only fitted over observations far apart. The rate's gain grows with the time since
 * the last observation: two codes typed seconds apart move the offset, but the rate by a few
 * millionths of a ppm (the filter's algebra, not a special case; test/verifier/clock-model.test.ts
 * checks it). The rate is reported (`ratePpm`) only once its uncertainty is below RATE_SHOWN_PPM.
 *
 * Predicting. At time t the model predicts φ̂(t) = φ₀ + r̂·(t − t₀) with variance
 * V(t) = P₀₀ + 2(t − t₀)P₀₁ + (t − t₀)²P₁₁. The sign-in window (signin.ts) is the RFC 6238 §5.2
 * ±w steps around the predicted step, widened by K·√(V(t) − R)/P steps, rounded: the base window already
 * absorbs one observation's error (R), so a freshly observed token gets exactly ±w, and only the
 * uncertainty the model adds beyond that (mostly the rate's, growing with idle time) widens it.
 * The caller caps the widening with a setting (maxWindowSteps), so the worst case is fixed.
 *
 * A clock that jumps (settime, a flat battery) does not fit a line: an observation further than
 * JUMP_SIGMAS standard deviations from the prediction restarts the offset from that observation
 * alone, keeping the rate (same crystal). So does a resync by two consecutive codes (`resynced`).
 */

/** The model as stored: six numbers (times in ms since the epoch, offsets in seconds). */
export interface ClockModel {
  /** Server time of the last observation, ms. */
  at: number;
  /** Typed offset φ at `at`, seconds. */
  offset: number;
  /** Rate, seconds per second (1e-6 = 1 ppm fast). */
  rate: number;
  /** Covariance of (offset, rate): var(offset) s², cov s, var(rate). */
  pOO: number;
  pOR: number;
  pRR: number;
}

/** Prior uncertainty (1σ) of a crystal's rate before any fit: common watch crystals are ±20 ppm. */
export const RATE_PRIOR_PPM = 30;
/** The rate is shown once its 1σ uncertainty is below this. */
export const RATE_SHOWN_PPM = 10;
/**
 * Window widening in standard deviations of the model's added uncertainty. Two, not three: a token
 * the window misses (about 1 sign-in in 100 after a long idle, simulated) still lands in the
 * auto-resync band and signs in with its next code, while each extra step of width is one more
 * code a guesser may hit (SECURITY.md "Clock-rate model").
 */
export const WINDOW_SIGMAS = 2;
/** An observation this many σ (plus a step) off the prediction is a jump, not drift. */
export const JUMP_SIGMAS = 5;

/** Variance of one observation of φ, s² (see the file comment). */
export function observationVariance(period: number): number {
  return (period * period) / 6;
}

/** φ observed when step `step` was typed at server time nowMs. */
export function observedOffset(step: number, nowMs: number, period: number, t0: number): number {
  return (step + 0.5) * period + t0 - nowMs / 1000;
}

/** A model from one observation, with the rate unknown (or carried over after a jump). */
export function freshModel(step: number, nowMs: number, period: number, t0: number,
  rate = 0, pRR = (RATE_PRIOR_PPM * 1e-6) ** 2): ClockModel {
  return { at: nowMs, offset: observedOffset(step, nowMs, period, t0), rate, pOO: observationVariance(period), pOR: 0, pRR };
}

/** The predicted φ (s) and its variance (s²) at nowMs. */
export function predictOffset(m: ClockModel, nowMs: number): { offset: number; variance: number } {
  const dt = (nowMs - m.at) / 1000;
  return { offset: m.offset + m.rate * dt, variance: m.pOO + 2 * dt * m.pOR + dt * dt * m.pRR };
}

/** Where to search at nowMs: the predicted step offset (token step − server step) and the widening in steps. */
export interface Prediction { driftSteps: number; extraSteps: number }

/** The predicted drift in whole steps and how many steps the model's uncertainty adds to the window. */
export function predict(m: ClockModel, nowMs: number, period: number, t0: number): Prediction {
  const { offset, variance } = predictOffset(m, nowMs);
  const serverStep = Math.floor((nowMs / 1000 - t0) / period);
  // The step typed now is the one whose middle is φ ahead: (s + ½)P + T0 = t + φ.
  const typed = Math.round((nowMs / 1000 + offset - t0) / period - 0.5);
  const added = Math.sqrt(Math.max(0, variance - observationVariance(period)));
  // Rounded, not ceiled: a few ms of rate uncertainty right after an observation must not add a step.
  return { driftSteps: typed - serverStep, extraSteps: Math.round((WINDOW_SIGMAS * added) / period) };
}

/**
 * The model after step `step` was accepted at nowMs: one Kalman update (measurement of φ), or a
 * restart of the offset when the observation is a jump. A null model starts fresh.
 */
export function observe(m: ClockModel | null, step: number, nowMs: number, period: number, t0: number): ClockModel {
  if (m === null) return freshModel(step, nowMs, period, t0);
  const dt = (nowMs - m.at) / 1000;
  // Predict to nowMs (constant rate, no process noise).
  const x = m.offset + m.rate * dt;
  const pOO = m.pOO + 2 * dt * m.pOR + dt * dt * m.pRR;
  const pOR = m.pOR + dt * m.pRR;
  const pRR = m.pRR;
  const R = observationVariance(period);
  const innovation = observedOffset(step, nowMs, period, t0) - x;
  const S = pOO + R;
  if (Math.abs(innovation) > JUMP_SIGMAS * Math.sqrt(S) + period) return freshModel(step, nowMs, period, t0, m.rate, pRR);
  const kO = pOO / S;
  const kR = pOR / S;
  return {
    at: nowMs,
    offset: x + kO * innovation,
    rate: m.rate + kR * innovation,
    pOO: (1 - kO) * pOO,
    pOR: (1 - kO) * pOR,
    pRR: pRR - kR * pOR,
  };
}

/**
 * The model after a resync (two consecutive codes, by hand or through NextCodeRequired): the codes
 * say where the clock is now, so the offset restarts there; the rate, a property of the crystal,
 * is kept.
 */
export function resynced(m: ClockModel | null, step: number, nowMs: number, period: number, t0: number): ClockModel {
  return m === null ? freshModel(step, nowMs, period, t0) : freshModel(step, nowMs, period, t0, m.rate, m.pRR);
}

/** The rate in ppm once fitted (1σ below RATE_SHOWN_PPM), else null. */
export function fittedRatePpm(m: ClockModel | null): number | null {
  if (m === null || Math.sqrt(m.pRR) * 1e6 >= RATE_SHOWN_PPM) return null;
  return m.rate * 1e6;
}

/** The model as one compact text column (JSON array of the six numbers). */
export function encodeModel(m: ClockModel | null): string | null {
  return m === null ? null : JSON.stringify([m.at, m.offset, m.rate, m.pOO, m.pOR, m.pRR]);
}

/** Parses encodeModel's text; null when the text is not a sound model. */
export function decodeModel(text: string): ClockModel | null {
  let a: unknown;
  try { a = JSON.parse(text); } catch { return null; }
  if (!Array.isArray(a) || a.length !== 6 || !a.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  const [at, offset, rate, pOO, pOR, pRR] = a as number[];
  if (pOO! < 0 || pRR! < 0 || !Number.isSafeInteger(at)) return null;
  return { at: at!, offset: offset!, rate: rate!, pOO: pOO!, pOR: pOR!, pRR: pRR! };
}
