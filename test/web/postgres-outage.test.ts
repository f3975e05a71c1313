/**
 * PostgreSQL stops under load and comes back: while it is down every check is a 503
 * StoreUnavailable (never an acceptance, and no failure is counted that was not written), and once it
 * is back the same serve process answers again without a restart. Uses its own throwaway server,
 * since stopping the run's shared one would break the suites running beside this one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openVerifier } from '@hwtotp/verifier';
import { startPostgres, type ThrowawayPostgres } from '../../tools/src/db/throwaway-postgres.ts';
import { startServe, type ServeProcess } from '../../tools/src/serve-process.ts';
import { KEY_HEX, codeAt, token, wrongCode } from '../verifier/helpers.ts';

const API_KEY = 'outage-operator-key-0123456789abcdef';
const A = token('HWT-OUTAGE-01');
const B = token('HWT-OUTAGE-02');
let pgServer: ThrowawayPostgres;
let serve: ServeProcess;

beforeAll(async () => {
  pgServer = await startPostgres();
  const enrolled = Date.now() - 90_000;
  const v = await openVerifier({ db: pgServer.url, masterKey: KEY_HEX, env: {}, now: () => enrolled });
  await v.importTokens([A, B]);
  await v.enable('alice', 'k', A.serial, codeAt(A, enrolled, -1), codeAt(A, enrolled, 0));
  await v.enable('bob', 'k', B.serial, codeAt(B, enrolled, -1), codeAt(B, enrolled, 0));
  await v.close();
  serve = await startServe(pgServer.url, {
    ...process.env, HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_API_KEY: API_KEY, HWTOTP_MAX_FAILURES: '1000', HWTOTP_PG_POOL_SIZE: '4',
  }, ['--user-rate', '100000', '--address-rate', '100000']);
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await pgServer?.stop();
});

async function check(user: string, code: string): Promise<{ status: number; error?: string; message?: string }> {
  const res = await fetch(serve.url + 'api/mfa/check', {
    method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, code }),
  });
  const body = await res.json() as { error?: string; message?: string };
  return { status: res.status, error: body.error, message: body.message };
}

it('fails closed while PostgreSQL is down, counts only written failures, and recovers without a restart', async () => {
  const bad = wrongCode(B, Date.now());
  const statuses = new Map<string, number>();
  let running = true;
  // Eight clients sending wrong codes for bob without pause, through the stop and the restart.
  const load = Array.from({ length: 8 }, async () => {
    while (running) {
      const r = await check('bob', bad);
      const k = `${r.status} ${r.error}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  await pgServer.halt();
  // Down: the right code of alice is refused with a clear error, not accepted and not a wrong code.
  const down = await check('alice', codeAt(A, Date.now()));
  expect(down.status).toBe(503);
  expect(down.error).toBe('StoreUnavailable');
  expect(down.message).toMatch(/registry database postgres:\/\/hwtotp@127\.0\.0\.1:\d+\/hwtotp cannot be reached .*nothing was written/);
  await new Promise((r) => setTimeout(r, 500));
  await pgServer.start();
  await new Promise((r) => setTimeout(r, 1000));
  running = false;
  await Promise.all(load);

  expect(statuses.get('503 StoreUnavailable') ?? 0).toBeGreaterThan(0);
  const wrongReplies = statuses.get('403 InvalidAuthenticationCode') ?? 0;
  expect(wrongReplies).toBeGreaterThan(0);
  expect([...statuses.keys()].sort()).toEqual(['403 InvalidAuthenticationCode', '503 StoreUnavailable']);

  // Back: the same process accepts alice's code now.
  expect((await check('alice', codeAt(A, Date.now()))).status).toBe(200);
  const v = await openVerifier({ db: pgServer.url, masterKey: KEY_HEX, env: {} });
  try {
    // Every failure reported to a client was written; at most the eight requests cut mid-commit
    // may have been written without their reply.
    const failures = (await v.token(B.serial)).failures;
    expect(failures).toBeGreaterThanOrEqual(wrongReplies);
    expect(failures).toBeLessThanOrEqual(wrongReplies + 8);
    expect((await v.audit({ serial: A.serial, action: 'check' })).filter((a) => a.outcome === 'accepted').length).toBe(1);
  } finally { await v.close(); }
}, 60_000);
