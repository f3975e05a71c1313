/** The pure clock-rate model: fitting, the far-apart rule, jumps, the compact encoding, the migration. */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import {
  decodeModel, encodeModel, fittedRatePpm, observe, predict, RATE_PRIOR_PPM, resynced, type ClockModel,
} from '../../verifier/src/clock-model.ts';
import { MIGRATIONS } from '../../verifier/src/sqlite-migrations.ts';
import { openVerifier } from '@hwtotp/verifier';
import { codeAt, T0_MS, tempDir, token } from './helpers.ts';
import { mulberry32 } from '../helpers/prng.ts';

const P = 30;
/** The step a token `ppm` fast shows at server time ms (typed `delay` s after it was read). */
const stepOf = (ms: number, ppm: number, delay = 0) => Math.floor(((ms - T0_MS) / 1000 * (1 + ppm * 1e-6) + T0_MS / 1000 - delay) / P);

describe('clock model', () => {
  it('fits a 40 ppm rate from sign-ins days apart, and predicts where the token is a year later', () => {
    let m: ClockModel | null = null;
    const rand = mulberry32(11);
    for (let day = 0; day <= 60; day += 5) {
      const ms = T0_MS + day * 86_400_000 + Math.floor(rand() * 86_400_000);
      m = observe(m, stepOf(ms, 40, rand() * 10), ms, P, 0);
    }
    expect(fittedRatePpm(m)!).toBeGreaterThan(34);
    expect(fittedRatePpm(m)!).toBeLessThan(46);
    const later = T0_MS + 360 * 86_400_000;
    const p = predict(m!, later, P, 0);
    const truth = stepOf(later, 40) - Math.floor(later / 1000 / P);
    expect(Math.abs(p.driftSteps - truth)).toBeLessThanOrEqual(2);
    expect(p.extraSteps).toBeGreaterThan(0);
    expect(p.extraSteps).toBeLessThan(8);
  });

  it('two codes typed seconds apart say nothing about the rate', () => {
    const ms = T0_MS + 7_000;
    const a = observe(null, stepOf(ms, 0), ms, P, 0);
    // The next step, 20 s later: as if the clock gained a whole step in 20 s (a rate of 1.5 s/s).
    const b = observe(a, stepOf(ms, 0) + 1, ms + 20_000, P, 0);
    expect(Math.abs(b.rate) * 1e6).toBeLessThan(0.01);
    expect(fittedRatePpm(b)).toBeNull();
    expect(Math.sqrt(b.pRR) * 1e6).toBeCloseTo(RATE_PRIOR_PPM, 3);
  });

  it('right after an observation the window is the plain one; idle time widens it', () => {
    const ms = T0_MS;
    const m = observe(null, stepOf(ms, 0), ms, P, 0);
    expect(predict(m, ms + 60_000, P, 0)).toEqual({ driftSteps: 0, extraSteps: 0 });
    expect(predict(m, ms + 30 * 86_400_000, P, 0).extraSteps).toBeGreaterThan(3);
  });

  it('a jump restarts the offset and keeps the rate', () => {
    let m: ClockModel | null = null;
    for (let day = 0; day <= 60; day += 5) {
      const ms = T0_MS + day * 86_400_000 + 1_000_000 * day;
      m = observe(m, stepOf(ms, 40), ms, P, 0);
    }
    const ms = T0_MS + 61 * 86_400_000;
    const jumped = observe(m, stepOf(ms, 40) + 12, ms, P, 0);
    expect(jumped.pOR).toBe(0);
    expect(jumped.rate).toBe(m!.rate);
    expect(predict(jumped, ms + 1000, P, 0).driftSteps).toBe(stepOf(ms, 40) + 12 - Math.floor(ms / 1000 / P));
  });

  it('a resync restarts the offset where the codes are, and keeps the rate', () => {
    const a = observe(null, 60_000_000, T0_MS, P, 0);
    const b = observe(a, 60_000_000 + 2880, T0_MS + 86_400_000, P, 0);
    const r = resynced(b, 60_000_000 + 2880 + 3, T0_MS + 86_400_000 + 1000, P, 0);
    expect([r.rate, r.pRR, r.pOR]).toEqual([b.rate, b.pRR, 0]);
    expect(predict(r, T0_MS + 86_400_000 + 2000, P, 0)).toEqual({ driftSteps: 3, extraSteps: 0 });
    expect(resynced(null, 5, T0_MS, P, 0)).toEqual(observe(null, 5, T0_MS, P, 0));
  });

  it('encodes to one short text and back; damaged text is refused', () => {
    const m = observe(null, 60_000_000, T0_MS, P, 0);
    const text = encodeModel(m)!;
    expect(text.length).toBeLessThan(120);
    expect(decodeModel(text)).toEqual(m);
    for (const bad of ['', '[1,2,3]', '{"a":1}', '[1,2,3,-4,5,6]', '[1.5,0,0,1,0,1]', '[1,0,0,1,0,"x"]']) expect(decodeModel(bad)).toBeNull();
  });
});

describe('migration 3 (the clock model)', () => {
  it('upgrades a version-1 registry: its tokens keep working and a damaged model is a CorruptRecord', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = join(dir, 'old.db');
      const raw = new Database(db);
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      raw.exec(MIGRATIONS[0] as string);
      raw.prepare('INSERT INTO schema_migrations VALUES (1, 0)').run();
      raw.close();
      const A = token('HWT-MIGRATE-1');
      const clock = { ms: T0_MS };
      const v = await openVerifier({ db, env: {}, now: () => clock.ms });
      try {
        await v.importTokens([A]);
        await v.enable('alice', 'k', A.serial, codeAt(A, clock.ms, -1), codeAt(A, clock.ms, 0));
        clock.ms += 86_400_000;
        expect(await v.check('alice', codeAt(A, clock.ms, 0))).toMatchObject({ ok: true });
        expect((await v.token(A.serial)).driftNowSteps).toBe(0);
      } finally { await v.close(); }
      const again = new Database(db);
      expect(typeof (again.prepare('SELECT clock_model FROM tokens').get() as { clock_model: unknown }).clock_model).toBe('string');
      again.prepare("UPDATE tokens SET clock_model = '[1,2]'").run();
      again.close();
      const v2 = await openVerifier({ db, env: {}, now: () => clock.ms });
      try {
        await expect(v2.token(A.serial)).rejects.toThrow(/HWT-MIGRATE-1 is corrupted \(clock_model is not a clock model\)/);
      } finally { await v2.close(); }
    } finally { cleanup(); }
  });
});
