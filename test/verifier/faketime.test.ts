/**
 * Black box: the real `hwtotp` CLI, each run under Debian's `faketime` at a chosen wall-clock
 * time, against a token whose clock runs 40 ppm fast (the simulator's drift model) and then jumps
 * 6 minutes: `list --json` shows the drift and the rate of sixty days of use, the jump exits 1 with
 * NextCodeRequired, `find` names the token from two codes, and the next code exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SimClock } from '../../tools/src/sim/clock.ts';
import { openVerifier } from '@hwtotp/verifier';
import { KEY_HEX, codeAt, tempDir, token } from './helpers.ts';

const A = token('HWT-FAKETIME-1');
const BIN = fileURLToPath(new URL('../../tools/bin/hwtotp.js', import.meta.url));
/** 2027-01-15T08:00:10Z: ten seconds into a step, so a CLI start-up of a few seconds stays in it. */
const START = Date.UTC(2027, 0, 15, 8, 0, 10);
const DAY = 86_400_000;
let dir: string, cleanup: () => void, db: string;

/** Runs the real CLI with the wall clock at `ms` (UTC). */
async function hwtotpAt(ms: number, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const when = new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  try {
    const r = await promisify(execFile)('faketime', [when, process.execPath, BIN, ...args, '--db', db, '--json'],
      { env: { ...process.env, TZ: 'UTC', HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_DB: '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'faketime.db');
  const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX } });
  await v.importTokens([A]);
  await v.close();
});
afterAll(() => cleanup());

describe('the real CLI under faketime', () => {
  it('follows a 40 ppm token, answers a 6-minute jump with NextCodeRequired, and finds the token', async () => {
    const clock = new SimClock({ mode: 'virtual', skew: 0, driftPpm: 40, now: () => START - 30_000 });
    /** The code the token shows at host time ms. */
    const shown = (ms: number, plus = 0) => {
      clock.setVirtualElapsed((ms - (START - 30_000)) / 1000);
      return codeAt(A, Math.floor(clock.getTime() * 1000), plus);
    };
    // Sixty days of regular use through the library with its injected clock (each CLI start costs
    // seconds); what follows is the real CLI under faketime.
    const now = { ms: START };
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now: () => now.ms });
    try {
      await v.enable('ann', 'desk', A.serial, shown(START - 30_000), shown(START));
      for (let day = 5; day <= 60; day += 5) {
        now.ms = START + day * DAY + (day % 3) * 3_600_000;
        expect(await v.check('ann', shown(now.ms))).toMatchObject({ ok: true });
      }
    } finally { await v.close(); }
    let r = await hwtotpAt(START + 60 * DAY + 4 * 3_600_000, 'list');
    const [row] = JSON.parse(r.stdout) as { driftNowSteps: number; ratePpm: number | null }[];
    expect(Math.abs(row!.driftNowSteps - 7)).toBeLessThanOrEqual(1); // 60 days at 40 ppm: 207 s, 6.9 steps
    expect(row!.ratePpm).toBeGreaterThan(25);
    expect(row!.ratePpm).toBeLessThan(55);

    // The token's clock jumps 6 minutes ahead.
    const jump = START + 61 * DAY;
    const first = codeAt(A, Math.floor(jumpAt(jump) * 1000));
    r = await hwtotpAt(jump, 'check', '--user', 'ann', '--code', first);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: 'NextCodeRequired', serial: A.serial });
    // Who is this token? find answers from the two codes a person reads off it.
    r = await hwtotpAt(jump + 30_000, 'find', '--code', first, '--code2', codeAt(A, Math.floor(jumpAt(jump) * 1000), 1));
    expect([r.code, JSON.parse(r.stdout)]).toMatchObject([0, { serial: A.serial, state: 'assigned', user: 'ann' }]);
    // Its next code, 40 s later: accepted, and the drift now includes the jump.
    r = await hwtotpAt(jump + 40_000, 'check', '--user', 'ann', '--code', codeAt(A, Math.floor(jumpAt(jump) * 1000), 1));
    expect([r.code, JSON.parse(r.stdout)]).toEqual([0, { ok: true, serial: A.serial }]);
    const after = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now: () => jump + 60_000 });
    try {
      expect(Math.abs((await after.token(A.serial)).driftNowSteps - (7 + 12))).toBeLessThanOrEqual(1);
    } finally { await after.close(); }
    /** The token's clock at host time ms after the jump (seconds). */
    function jumpAt(ms: number): number {
      clock.setVirtualElapsed((ms - (START - 30_000)) / 1000);
      return clock.getTime() + 360;
    }
  }, 120_000);
});
