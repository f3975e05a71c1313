/**
 * `hwtotp provision --batch` through the real binary: simulated tokens appear one after another
 * (as links in a watched directory, the way /dev/serial/by-id fills up), each gets a progress line,
 * and the summary counts them. Ctrl-C (a real SIGINT) stops cleanly: no token is left half-recorded.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVerifier } from '@hwtotp/verifier';
import { TokenClient } from '@hwtotp/verifier';
import { validateSerialCheck } from '@hwtotp/verifier';
import type { Simulator } from '../../tools/src/sim/simulator.ts';
import { picoBundle, startSim } from './sim-helper.ts';
import { runCli } from './cli-helper.ts';

let dir: string;
let watchDir: string;
let db: string;
let sims: Simulator[] = [];

beforeAll(async () => {
  await picoBundle();
}, 120_000);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwtotp-batch-'));
  watchDir = join(dir, 'by-id');
  mkdirSync(watchDir);
  db = join(dir, 'reg.db');
});
afterEach(async () => {
  for (const s of sims) await s.stop();
  sims = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Plugs in a new simulated token: its port appears in the watched directory. */
async function plug(n: number): Promise<Simulator> {
  const s = await startSim();
  sims.push(s);
  symlinkSync(s.port, join(watchDir, `usb-hwtotp_sim_${n}-if00`));
  return s;
}

async function helloOf(s: Simulator) {
  const c = await TokenClient.connect(s.port);
  try {
    return c.info;
  } finally {
    await c.close();
  }
}

describe('provision --batch', () => {
  it('provisions 5 tokens as they are plugged in, one progress line each, then a summary', async () => {
    const run = runCli(['provision', '--batch', '--watch', join(watchDir, 'usb-*'), '--count', '5', '--settle-ms', '0', '--db', db, '--json']);
    await run.waitLine(/"event":"waiting"/);
    // Tokens arrive one by one while the batch runs; the fifth arrives with the fourth.
    for (let i = 1; i <= 3; i++) {
      await plug(i);
      await run.waitLine(new RegExp(`"event":"provisioned","index":${i}`));
    }
    await plug(4);
    await plug(5);
    const done = await run.done;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const events = done.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const provisioned = events.filter((e) => e.event === 'provisioned');
    expect(provisioned).toHaveLength(5);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', provisioned: 5, failed: 0, stopped: false });

    const serials = provisioned.map((e) => e.serial as string);
    expect(new Set(serials).size).toBe(5);
    for (const s of serials) expect(validateSerialCheck(s)).toBe(true);
    // Each token holds the serial the registry has ready for it.
    const v = await openVerifier({ db });
    try {
      for (const e of provisioned) {
        const sim = sims[Number(/sim_(\d)/.exec(e.port as string)![1]) - 1]!;
        const h = await helloOf(sim);
        expect(h).toMatchObject({ state: 'provisioned', serial: e.serial });
        expect((await v.token(e.serial as string)).state).toBe('unassigned');
      }
      expect((await v.list()).map((t) => t.state)).toEqual(Array(5).fill('unassigned'));
    } finally {
      await v.close();
    }
    const flow = provisioned.map((e) => e.ms as number);
    const total = provisioned.map((e) => e.totalMs as number);
    console.log(`provisioning time per token (batch of 5, simulator over a pty): HELLO to READY ${flow.join(', ')} ms ` +
      `(mean ${summary.meanMs} ms); with opening the port and the handshake ${total.join(', ')} ms; batch wall time ${summary.ms} ms`);
    for (let i = 0; i < 5; i++) {
      expect(total[i]).toBeGreaterThanOrEqual(flow[i]!);
      expect(total[i]).toBeLessThan(5000);
    }
  });

  it('Ctrl-C mid-batch finishes the token in progress, prints the summary and leaves nothing half-recorded', async () => {
    const run = runCli(['provision', '--batch', '--watch', join(watchDir, 'usb-*'), '--settle-ms', '0', '--db', db, '--json']);
    await run.waitLine(/"event":"waiting"/);
    await plug(1);
    await run.waitLine(/"event":"provisioned","index":1/);
    await plug(2);
    await plug(3);
    // SIGINT the moment the second token starts: it is in flight when the signal lands.
    await run.waitLine(/"event":"start","index":2/);
    run.child.kill('SIGINT');
    const t0 = Date.now();
    const done = await run.done;
    const exitMs = Date.now() - t0;
    expect(done.signal).toBeNull();
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/stopping after the token in progress/);
    const events = done.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', stopped: true, failed: 0 });
    // Token 2 was finished, token 3 never started.
    expect(summary.provisioned).toBe(2);
    expect(events.some((e) => e.event === 'start' && e.index === 3)).toBe(false);
    expect(exitMs).toBeLessThan(3000);

    const v = await openVerifier({ db });
    try {
      const list = await v.list();
      expect(list.map((t) => t.state)).toEqual(['unassigned', 'unassigned']);
      expect((await helloOf(sims[2]!)).state).toBe('blank');
      for (const t of list) {
        const sim = sims.find((_, i) => i < 2 && events.some((e) => e.serial === t.serial && (e.port as string).includes(`sim_${i + 1}`)));
        expect(sim).toBeDefined();
        expect((await helloOf(sim!)).serial).toBe(t.serial);
      }
    } finally {
      await v.close();
    }
  });

  it('a token unplugged and another plugged at the same place is provisioned too; a refused one is reported and counted', async () => {
    const run = runCli(['provision', '--batch', '--watch', join(watchDir, 'usb-*'), '--count', '2', '--settle-ms', '0', '--db', db]);
    await run.waitLine(/waiting for a token/);
    const first = await plug(1);
    await run.waitLine(/\[1\] .*: provisioned HWT/);
    // Swap it for a token that is not blank: refused with its serial, and the batch goes on.
    unlinkSync(join(watchDir, 'usb-hwtotp_sim_1-if00'));
    await run.waitLine(/waiting for a token .*\(1\/2 done/);
    // A hand swapping tokens leaves the port empty for a second or more: several of the batch's
    // 250 ms scans see it gone. Relinking at once could fall between two scans, and a port that
    // never went away is, rightly, not a new token.
    await new Promise((r) => setTimeout(r, 1500));
    symlinkSync(first.port, join(watchDir, 'usb-hwtotp_sim_1-if00'));
    await run.waitLine(/\[2\] .*: FAILED TokenNotBlank: .* provisioned as HWT/);
    await plug(2);
    const done = await run.done;
    expect(done.code).toBe(1);
    expect(done.stdout).toMatch(/\[3\] .*sim_2.*: provisioned HWT\d{8}[0-9A-Z] {2}KCV [0-9A-F]{6} {2}\(\d+ ms\)/);
    expect(done.stdout).toMatch(/batch done: 2 provisioned, 1 failed in [\d.]+ s \(mean \d+ ms per token\)/);
  });
});
