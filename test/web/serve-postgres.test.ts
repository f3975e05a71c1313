/**
 * Several `hwtotp serve` processes on different ports sharing one PostgreSQL registry, as behind a
 * load balancer: every process gets every code at once, and each code is accepted exactly once;
 * wrong codes spread over the processes lock the token for all of them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { startServe, type ServeProcess } from '../../tools/src/serve-process.ts';
import { KEY_HEX, codeAt, token, wrongCode } from '../verifier/helpers.ts';
import { freshSchema } from '../helpers/postgres.ts';

const PROCESSES = 3;
const USERS = 12;
const API_KEY = 'multi-serve-operator-key-0123456789';
const tokens = Array.from({ length: USERS + 1 }, (_, i) => token(`HWT-MULTI-${String(i).padStart(3, '0')}`));
const LOCKED = tokens[USERS]!;

let schema: Awaited<ReturnType<typeof freshSchema>>;
let servers: ServeProcess[] = [];
let v: Verifier;

beforeAll(async () => {
  schema = await freshSchema();
  // Enrolled on a clock 3 steps back, so each token's current code is fresh when the test sends it.
  const enrolled = Date.now() - 90_000;
  v = await openVerifier({ db: schema.url, masterKey: KEY_HEX, env: {}, now: () => enrolled });
  await v.importTokens(tokens);
  for (const [i, t] of tokens.entries()) await v.enable(`user${i}`, 'k', t.serial, codeAt(t, enrolled, -1), codeAt(t, enrolled, 0));
  const env = { ...process.env, HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_API_KEY: API_KEY };
  servers = await Promise.all(Array.from({ length: PROCESSES }, () => startServe(schema.url, env, ['--user-rate', '600'])));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await v?.close();
  await schema?.drop();
});

async function check(server: ServeProcess, user: string, code: string): Promise<{ status: number; body: { error?: string; serial?: string } }> {
  const res = await fetch(server.url + 'api/mfa/check', {
    method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, code }),
  });
  return { status: res.status, body: await res.json() as { error?: string; serial?: string } };
}

it(`${PROCESSES} serve processes racing ${USERS} codes, each sent twice to each: every code accepted exactly once`, async () => {
  const now = Date.now();
  const replies = await Promise.all(tokens.slice(0, USERS).flatMap((t, i) => {
    const code = codeAt(t, now);
    return servers.flatMap((s) => [check(s, `user${i}`, code), check(s, `user${i}`, code)]);
  }));
  for (let i = 0; i < USERS; i++) {
    const mine = replies.slice(i * PROCESSES * 2, (i + 1) * PROCESSES * 2);
    expect(mine.filter((r) => r.status === 200).map((r) => r.body.serial), `user${i}`).toEqual([tokens[i]!.serial]);
    expect(mine.filter((r) => r.status !== 200).map((r) => [r.status, r.body.error])).toEqual(Array(PROCESSES * 2 - 1).fill([403, 'InvalidAuthenticationCode']));
  }
  // The registry agrees: one acceptance per token, the rest audited as replays, no failure counted.
  for (const t of tokens.slice(0, USERS)) {
    const audit = await v.audit({ serial: t.serial, action: 'check' });
    expect(audit.filter((a) => a.outcome === 'accepted').length).toBe(1);
    expect(audit.filter((a) => a.reason === 'replay').length).toBe(PROCESSES * 2 - 1);
    expect((await v.token(t.serial)).failures).toBe(0);
  }
}, 60_000);

it('wrong codes spread over the processes lock the token for every process', async () => {
  const user = `user${USERS}`;
  const bad = wrongCode(LOCKED, Date.now());
  // Five failures (the default limit), one process after another.
  for (let i = 0; i < 4; i++) expect((await check(servers[i % PROCESSES]!, user, bad)).status).toBe(403);
  const fifth = await check(servers[4 % PROCESSES]!, user, bad);
  expect([fifth.status, fifth.body.error]).toEqual([423, 'EntityTemporarilyUnmodifiable']);
  expect((await v.token(LOCKED.serial)).lockedUntil).not.toBeNull();
  // Now even the right code is refused by each process, and none of them counted it as a failure.
  const right = codeAt(LOCKED, Date.now());
  for (const s of servers) {
    const r = await check(s, user, right);
    expect([r.status, r.body.error]).toEqual([423, 'EntityTemporarilyUnmodifiable']);
  }
  const audit = await v.audit({ serial: LOCKED.serial });
  expect(audit.filter((a) => a.reason === 'wrong-code').length).toBe(5);
  expect(audit.filter((a) => a.action === 'lock').length).toBe(1);
  expect(audit.filter((a) => a.reason === 'locked').length).toBe(PROCESSES);
  expect(audit.some((a) => a.outcome === 'accepted' && a.action === 'check')).toBe(false);
}, 30_000);
