/**
 * The clock-rate model end to end, with token clocks from the simulator's drift model and the
 * verifier's injected clock: a fast token idle for 300 days signs in with one code; a slow one too;
 * a clock that jumps 6 minutes goes through NextCodeRequired and its next code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/prng.ts';
import { DriftingToken } from './drift-helpers.ts';
import { refusal, rig, token, type Rig } from './helpers.ts';

const DAY = 86_400_000;
const A = token('HWT-DRIFT-A01');
let r: Rig;
beforeEach(async () => {
  r = await rig();
  await r.v.importTokens([A]);
});
afterEach(async () => r.close());

/** Enrolls at the rig's start: reads a code, waits for the next, types both 5 s later. */
async function enroll(t: DriftingToken): Promise<void> {
  const start = r.clock.ms;
  t.at(start + 15_000);
  const c1 = t.shown();
  t.at(start + 45_000);
  const c2 = t.shown();
  t.at(start + 50_000);
  await r.v.enable('alice', 'desk', A.serial, c1, c2);
}

/** Signs in every 5 days for 60 days at a random time of day, typing within 10 s. */
async function regularUse(t: DriftingToken, rand: () => number, start: number): Promise<void> {
  for (let day = 5; day <= 60; day += 5) {
    expect(await t.signIn('alice', start + day * DAY + Math.floor(rand() * DAY), rand() * 10)).toMatchObject({ ok: true });
  }
}

describe('clock-rate model', () => {
  for (const ppm of [40, -40]) {
    it(`a token ${ppm} ppm ${ppm > 0 ? 'fast' : 'slow'} signs in every 5 days for 60 days, idles 300 days, then signs in with one code; ±10 steps off is refused`, async () => {
      // Several seeded schedules: the claim must hold for each, not for one lucky draw.
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const rr = await rig();
        try {
          await rr.v.importTokens([A]);
          const start = rr.clock.ms;
          const t = new DriftingToken(A, rr, ppm);
          const rand = mulberry32(seed);
          t.at(start + 15_000); const c1 = t.shown(); t.at(start + 45_000); const c2 = t.shown(); t.at(start + 50_000);
          await rr.v.enable('alice', 'desk', A.serial, c1, c2);
          for (let day = 5; day <= 60; day += 5) {
            expect(await t.signIn('alice', start + day * DAY + Math.floor(rand() * DAY), rand() * 10)).toMatchObject({ ok: true });
          }
          const info = await rr.v.token(A.serial);
          expect(info.ratePpm).not.toBeNull();
          expect(Math.abs(info.ratePpm! - ppm)).toBeLessThan(10);
          // 300 days idle: 40 ppm is 1,037 s = 34 steps since the last sign-in.
          t.at(start + 360 * DAY + Math.floor(rand() * DAY));
          const truth = t.trueOffsetSteps();
          expect(Math.abs(truth)).toBeGreaterThan(35);
          const now = await rr.v.token(A.serial);
          expect(now.windowSteps).toBeLessThanOrEqual(rr.v.settings.maxWindowSteps);
          for (const off of [10, -10]) {
            const e = await refusal(() => rr.v.check('alice', t.shownPlus(off)));
            expect(['NextCodeRequired', 'InvalidAuthenticationCode']).toContain(e.name);
          }
          // The honest code, typed 5 s after reading it: one code, accepted.
          const { code, submitAt } = t.read(rr.clock.ms, 5);
          t.at(submitAt);
          expect(await rr.v.check('alice', code)).toEqual({ ok: true, serial: A.serial });
          expect((await rr.v.token(A.serial)).driftSteps).toBeCloseTo(truth, -0.5);
        } finally { await rr.close(); }
      }
    });
  }

  it('without a rate fit, the same idle token lands in the auto-resync band instead', async () => {
    // Enrolled and never used: no rate. 300 days at 40 ppm puts it 34 steps off, beyond ±20 too.
    const t = new DriftingToken(A, r, 40);
    await enroll(t);
    t.at(r.clock.ms + 300 * DAY);
    expect((await r.v.token(A.serial)).windowSteps).toBe(r.v.settings.maxWindowSteps);
    const e = await refusal(() => r.v.check('alice', t.shown()));
    expect(e.name).toBe('InvalidAuthenticationCode');
  });

  it('a clock that jumps 6 minutes ahead: NextCodeRequired, then its next code signs in and the drift follows', async () => {
    const t = new DriftingToken(A, r, 0);
    const start = r.clock.ms;
    await enroll(t);
    await regularUse(t, mulberry32(7), start);
    t.at(start + 61 * DAY);
    t.clock.setTime(t.clock.getTime() + 360);
    expect(t.trueOffsetSteps()).toBe(12);
    const first = t.read(r.clock.ms, 3);
    t.at(first.submitAt);
    const e = await refusal(() => r.v.check('alice', first.code));
    expect([e.name, e.httpStatus, e.serial]).toEqual(['NextCodeRequired', 403, A.serial]);
    expect((await r.v.token(A.serial)).failures).toBe(1);
    // The first code again while pending: refused as a replay, no second failure.
    expect((await refusal(() => r.v.check('alice', first.code))).reason).toBe('replay');
    expect((await r.v.token(A.serial)).failures).toBe(1);
    // The next step's code, 40 s later: accepted, drift updated.
    const second = t.read(first.submitAt + 40_000, 3);
    t.at(second.submitAt);
    expect(await r.v.check('alice', second.code)).toEqual({ ok: true, serial: A.serial });
    const info = await r.v.token(A.serial);
    expect(info).toMatchObject({ failures: 0, driftNowSteps: 12, windowSteps: 1 });
    const [accepted] = await r.v.audit({ serial: A.serial, action: 'check' });
    expect(accepted).toMatchObject({ outcome: 'accepted', reason: 'next-code' });
    // Replays of either code are refused.
    for (const c of [first.code, second.code]) expect((await refusal(() => r.v.check('alice', c))).name).toBe('InvalidAuthenticationCode');
    // And the next sign-in needs one code again.
    expect(await t.signIn('alice', r.clock.ms + 3_600_000, 4)).toMatchObject({ ok: true });
    // A seed-file export carries the drift now as PSKC TimeDrift (whole steps; the format has no rate).
    expect((await r.v.exportTokens([A.serial]))[0]!.driftSteps).toBe(12);
  });
});

describe('NextCodeRequired', () => {
  let t: DriftingToken;
  beforeEach(async () => {
    t = new DriftingToken(A, r, 0);
    await enroll(t);
    t.at(r.clock.ms + 120_000);
  });

  it('the next code more than 3 minutes later is not accepted', async () => {
    await refusal(() => r.v.check('alice', t.shownPlus(8)));
    t.at(r.clock.ms + 181_000);
    // shownPlus(8) then was step s; its successor s + 1 is now 6 steps behind shownPlus(8).
    const late = await refusal(() => r.v.check('alice', t.shownPlus(8 - 6 + 1)));
    expect(['NextCodeRequired', 'InvalidAuthenticationCode']).toContain(late.name);
  });

  it('a pending question never blocks an ordinary sign-in', async () => {
    expect((await refusal(() => r.v.check('alice', t.shownPlus(9)))).name).toBe('NextCodeRequired');
    expect(await r.v.check('alice', t.shown())).toEqual({ ok: true, serial: A.serial });
    const info = await r.v.token(A.serial);
    expect([info.failures, info.driftNowSteps]).toEqual([0, 0]);
  });

  it('counts one failure each: five in a row lock the token', async () => {
    // Two steps apart, so none is the next code of the one before.
    for (let i = 1; i <= 4; i++) {
      expect((await refusal(() => r.v.check('alice', t.shownPlus(4 + 2 * i)))).name).toBe('NextCodeRequired');
      expect((await r.v.token(A.serial)).failures).toBe(i);
    }
    const e = await refusal(() => r.v.check('alice', t.shownPlus(14)));
    expect(e.name).toBe('EntityTemporarilyUnmodifiable');
    // Locked: even the next code of that pending step is refused.
    expect((await refusal(() => r.v.check('alice', t.shownPlus(15)))).name).toBe('EntityTemporarilyUnmodifiable');
  });

  it('the band is a setting; 0 turns it off', async () => {
    const off = await rig({ autoResyncSteps: 0 });
    try {
      await off.v.importTokens([A]);
      const u = new DriftingToken(A, off, 0);
      const s = off.clock.ms;
      u.at(s + 15_000); const c1 = u.shown(); u.at(s + 45_000); const c2 = u.shown();
      await off.v.enable('alice', 'desk', A.serial, c1, c2);
      const e = await refusal(() => off.v.check('alice', u.shownPlus(5)));
      expect([e.name, e.reason]).toEqual(['InvalidAuthenticationCode', 'wrong-code']);
    } finally { await off.close(); }
    await expect(rig({ env: { HWTOTP_AUTO_RESYNC_STEPS: 'x' } })).rejects.toThrow(/HWTOTP_AUTO_RESYNC_STEPS must be an integer/);
    await expect(rig({ maxWindowSteps: 0, checkWindowSteps: 1 })).rejects.toThrow(/maxWindowSteps \(0\) must be at least checkWindowSteps/);
  });
});
