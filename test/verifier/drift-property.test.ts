/**
 * Property: for any rate within ±100 ppm and any sign-in schedule (gaps of a minute to 20 days,
 * typing up to 29 s after reading), an honest token is never refused twice in a row (a
 * NextCodeRequired answered with the next code counts as one refusal), and a code more than
 * maxWindowSteps from the model's prediction is never accepted on its own.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DriftingToken } from './drift-helpers.ts';
import { refusal, rig, token } from './helpers.ts';

const A = token('HWT-PROP-0001');
const DAY = 86_400_000;

describe('clock-rate model property', () => {
  it('never refuses an honest token twice in a row; never accepts a lone code beyond the bounded window', async () => {
    await fc.assert(fc.asyncProperty(
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.array(fc.record({
        gapMs: fc.integer({ min: 60_000, max: 20 * DAY }),
        delay: fc.double({ min: 0, max: 29, noNaN: true }),
        attack: fc.integer({ min: 1, max: 4 }), // just beyond the bound: where a leak would show
        sign: fc.constantFrom(-1, 1),
      }), { minLength: 3, maxLength: 8 }),
      async (ppm, schedule) => {
        const r = await rig();
        try {
          await r.v.importTokens([A]);
          const t = new DriftingToken(A, r, ppm);
          const s = r.clock.ms;
          t.at(s + 15_000); const c1 = t.shown(); t.at(s + 45_000); const c2 = t.shown(); t.at(s + 50_000);
          await r.v.enable('alice', 'desk', A.serial, c1, c2);
          const B = r.v.settings.maxWindowSteps;
          let refusedBefore = false;
          for (const step of schedule) {
            t.at(r.clock.ms + step.gapMs);
            // The attacker first: one code beyond the bounded window around the prediction.
            const info = await r.v.token(A.serial);
            const far = info.driftNowSteps - t.trueOffsetSteps() + step.sign * (B + step.attack);
            const e = await refusal(() => r.v.check('alice', t.shownPlus(far)));
            expect(['NextCodeRequired', 'InvalidAuthenticationCode', 'EntityTemporarilyUnmodifiable']).toContain(e.name);
            // Then the owner.
            const first = t.read(r.clock.ms + 1000, step.delay);
            const following = t.shownPlus(1); // the code the token shows next, within 30 s
            t.at(first.submitAt);
            let ok: true | Error = await r.v.check('alice', first.code).then((): true | Error => true, (x: Error) => x);
            if (ok !== true && ok.name === 'NextCodeRequired') {
              // Wait for the next code and type it, well within 3 minutes.
              t.at(first.submitAt + 30_000);
              ok = await r.v.check('alice', following).then((): true | Error => true, (x: Error) => x);
              expect(ok).toBe(true);
            }
            if (ok !== true) {
              expect(refusedBefore, `refused twice in a row at ${ppm} ppm: ${ok.name}`).toBe(false);
              refusedBefore = true;
            } else {
              refusedBefore = false;
            }
          }
        } finally { await r.close(); }
      }), { numRuns: 20 });
  }, 60_000);
});
