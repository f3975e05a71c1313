/** Both sides of a bench server run in a child process (http.bench.ts, radius.bench.ts). */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fromHex, nobleHmac, toHex, totp } from '@hwtotp/protocol/host';
import type { Verifier } from '@hwtotp/verifier';

/** What every bench child answers besides its own messages. */
export type ChildReply = { type: 'cpu'; user: number; system: number };

/**
 * The child's side: a `setup` message goes to setup, which starts the servers and returns how to
 * close them; `cpu` is answered with the child's CPU time (ChildReply); `stop` closes and exits.
 */
export function serveBenchChild<S extends { type: 'setup' }>(setup: (m: S) => Promise<() => Promise<void>>): void {
  let close: (() => Promise<void>) | undefined;
  process.on('message', async (m: S | { type: 'cpu' } | { type: 'stop' }) => {
    if (m.type === 'setup') {
      close = await setup(m as S);
    } else if (m.type === 'cpu') {
      const c = process.cpuUsage();
      process.send!({ type: 'cpu', user: c.user, system: c.system } satisfies ChildReply);
    } else if (m.type === 'stop') {
      await close?.();
      process.exit(0);
    }
  });
}

/**
 * A verifier on db where user<i> holds token BENCH<i> of seeds[i] (hex), enrolled on a clock 90 s
 * behind, so that each user's code of now is fresh for the bench's checks.
 */
export async function enrolledVerifier(db: string, seeds: string[]): Promise<Verifier> {
  const { openVerifier } = await import('@hwtotp/verifier');
  let shift = -90_000;
  const v = await openVerifier({ db, masterKey: toHex(new Uint8Array(randomBytes(32))), now: () => Date.now() + shift, env: {} });
  const serial = (i: number) => `BENCH${String(i).padStart(6, '0')}`;
  await v.importTokens(seeds.map((s, i) => ({ serial: serial(i), secret: fromHex(s) })));
  for (let i = 0; i < seeds.length; i++) {
    const seed = fromHex(seeds[i]!);
    const t = Math.floor((Date.now() + shift) / 1000);
    await v.enable(`user${i}`, 'bench', serial(i), totp(nobleHmac, seed, t - 30), totp(nobleHmac, seed, t));
  }
  shift = 0;
  return v;
}

/** Resolves with the child's next IPC message of this type; rejects if the child exits first. */
export function nextMessage<M extends { type: string }, T extends M['type']>(child: ChildProcess, type: T): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<M, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`bench server exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
