/**
 * A worker process for concurrency.test.ts: its own SQLite connection to the shared registry.
 * On each message it waits until the agreed instant, checks the code once and reports the outcome.
 */
import { openVerifier } from '@hwtotp/verifier';

const [db, key] = process.argv.slice(2) as [string, string];
const clock = { ms: 0 };
const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: key }, now: () => clock.ms });

process.on('message', async (m: { round: number; user: string; code: string; nowMs: number; goAt: number } | 'exit') => {
  if (m === 'exit') {
    await v.close();
    process.exit(0);
  }
  clock.ms = m.nowMs;
  while (Date.now() < m.goAt) { /* spin: all workers fire at the same instant */ }
  try {
    const r = await v.check(m.user, m.code);
    process.send!({ round: m.round, ok: true, serial: r.serial });
  } catch (e) {
    const err = e as { name: string; reason?: string };
    process.send!({ round: m.round, ok: false, name: err.name, reason: err.reason });
  }
});
process.send!({ ready: true });
