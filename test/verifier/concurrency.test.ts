/**
 * Eight processes, each with its own connection, check the same valid code at the same instant:
 * exactly one is accepted, the others are refused as replays, and nobody's failure count moves.
 * Repeated for 20 rounds (a new step each round).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVerifier } from '@hwtotp/verifier';
import { KEY_HEX, T0_MS, codeAt, tempDir, token } from './helpers.ts';

const WORKERS = 8;
const ROUNDS = 20;
const A = token('HWT-RACE-0001');
const worker = fileURLToPath(new URL('./concurrency-worker.ts', import.meta.url));

let dir: string, cleanup: () => void, db: string;
const children: ChildProcess[] = [];

function next(child: ChildProcess): Promise<any> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`worker exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => { child.off('exit', onExit); resolve(m); });
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'race.db');
  const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now: () => T0_MS });
  await v.importTokens([A]);
  await v.enable('alice', 'k', A.serial, codeAt(A, T0_MS, -1), codeAt(A, T0_MS, 0));
  await v.close();
  for (let i = 0; i < WORKERS; i++) {
    children.push(fork(worker, [db, KEY_HEX], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  await Promise.all(children.map(next));
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((c) => new Promise((res) => { c.once('exit', res); c.send('exit'); })));
  cleanup();
});

describe('concurrent checks of one code', () => {
  it(`${WORKERS} processes × ${ROUNDS} rounds: exactly one acceptance per code`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const nowMs = T0_MS + round * 30_000;
      const code = codeAt(A, nowMs, 0);
      const goAt = Date.now() + 60;
      const replies = children.map(next);
      for (const c of children) c.send({ round, user: 'alice', code, nowMs, goAt });
      const results = await Promise.all(replies);
      expect(results.filter((x) => x.ok)).toEqual([{ round, ok: true, serial: A.serial }]);
      expect(results.filter((x) => !x.ok).map((x) => [x.name, x.reason])).toEqual(Array(WORKERS - 1).fill(['InvalidAuthenticationCode', 'replay']));
    }
    const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: KEY_HEX }, now: () => T0_MS + ROUNDS * 30_000 });
    try {
      expect(await v.token(A.serial)).toMatchObject({ lastStep: (T0_MS + ROUNDS * 30_000) / 30_000, failures: 0, lockedUntil: null });
      const checks = await v.audit({ serial: A.serial, action: 'check', limit: 1000 });
      expect(checks.filter((c) => c.outcome === 'accepted').length).toBe(ROUNDS);
      expect(checks.filter((c) => c.reason === 'replay').length).toBe(ROUNDS * (WORKERS - 1));
    } finally { await v.close(); }
  }, 60_000);
});
