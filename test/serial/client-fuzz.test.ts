/**
 * Serial client fuzz: a token that misbehaves (lies in its reply arguments and about line lengths,
 * dribbles bytes, closes mid-frame, answers with the wrong id, sends noise, stays silent). Every
 * request ends, within its timeout and retries, either with a valid answer or with a typed
 * SerialError, never a hang, never an untyped error, never an unhandled rejection.
 *
 * fast-check drives an in-process misbehaving token (misbehaving-link.ts) for breadth; the last
 * cases replay each kind of misbehaviour through the real pty of fake-token.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, encodeFrame } from '@hwtotp/protocol';
import { SerialError, TokenClient, type ClientOptions } from '@hwtotp/verifier';
import { MisbehavingLink, type Act, type Delivery } from './misbehaving-link.ts';
import { startFakeToken, type FakeAction, type FakeToken } from './fake-token.ts';

const NAMES = ['PortNotFound', 'PortBusy', 'PortError', 'TokenDisconnected', 'TokenTimeout', 'TokenError', 'ProtocolMismatch', 'BadReply', 'ClientClosed'];
const TIMEOUT_MS = 30;
const RETRIES = 1;
/** Scheduling slack on a loaded machine; a hang would take the whole test timeout instead. */
const SLACK_MS = 1500;

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => { unhandled.push(e); };
beforeAll(() => { process.on('unhandledRejection', onUnhandled); });
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const latin1 = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
const lie = fc.record({
  key: fc.oneof(fc.constantFrom('proto', 'fw', 'board', 'state', 'serial', 'alg', 'digits', 'period', 'kcv', 'time', 'code', 'msg', 'hashes'), fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/)),
  value: fc.oneof(latin1(40), fc.constantFrom('', '0', '-1', '999999999999', '1e3', 'NaN', '2', 'provisioned', '7'.repeat(600))),
});
const act: fc.Arbitrary<Act> = fc.oneof(
  fc.record({
    kind: fc.constant('reply' as const),
    id: fc.oneof(fc.constantFrom('same' as const, 'next' as const, 'previous' as const, 'zero' as const), fc.integer({ min: 1, max: 99999999 })),
    op: fc.constantFrom('OK', 'ERR', 'PONG', 'HELLO'),
    lie: fc.option(lie, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('noise' as const), bytes: latin1(120) }),
  fc.record({ kind: fc.constant('long' as const), length: fc.integer({ min: 400, max: 1200 }), newline: fc.boolean() }),
  fc.record({ kind: fc.constant('closeMidFrame' as const), keep: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
  fc.constant({ kind: 'silence' as const }),
);
const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  fc.constant({ mode: 'whole' as const }),
  fc.constant({ mode: 'dribble' as const }),
  fc.record({ mode: fc.constant('pieces' as const), sizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }) }),
);
type Call = 'ping' | 'setTime' | 'provision' | 'hello';
const call = fc.constantFrom<Call>('ping', 'setTime', 'provision', 'hello');

function run(c: TokenClient, what: Call): Promise<unknown> {
  switch (what) {
    case 'ping': return c.ping();
    case 'setTime': return c.setTime(1_800_000_000);
    case 'provision': return c.provision({ serial: 'HWFUZZ0001', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1_800_000_000 });
    case 'hello': return c.hello();
  }
}

/** Awaits p, and says how it ended and how long it took. */
async function outcome<T>(p: Promise<T>): Promise<{ ok: boolean; value?: T; error?: unknown; ms: number }> {
  const t = performance.now();
  try {
    const value = await p;
    return { ok: true, value, ms: performance.now() - t };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t };
  }
}

function expectTyped(r: { ok: boolean; error?: unknown }, what: unknown): void {
  if (r.ok) return;
  expect(r.error, JSON.stringify(what)).toBeInstanceOf(SerialError);
  expect(NAMES, String(r.error)).toContain((r.error as SerialError).name);
}

describe('against an in-process misbehaving token (fast-check)', () => {
  it('connect, then one request: a valid answer or a typed error, within timeout x attempts', async () => {
    await fc.assert(fc.asyncProperty(fc.array(act, { minLength: 1, maxLength: 4 }), delivery, call, fc.integer({ min: 1, max: 99999999 }),
      async (acts, how, what, firstId) => {
        // The handshake gets an honest answer half of the time, so the request after it is reached too.
        const script: Act[] = acts.length > 1 && firstId % 2 === 0 ? [{ kind: 'reply', id: 'same', op: 'OK' }, ...acts] : acts;
        const link = new MisbehavingLink(script, how);
        const options: ClientOptions = { open: async () => link, timeoutMs: TIMEOUT_MS, provisionTimeoutMs: TIMEOUT_MS, retries: RETRIES, firstId };
        const connected = await outcome(TokenClient.connect(link.path, options));
        expectTyped(connected, { script, how });
        expect(connected.ms).toBeLessThan((1 + RETRIES) * TIMEOUT_MS + SLACK_MS);
        if (!connected.ok) {
          expect(link.isOpen).toBe(false); // a failed connect closes the port
          return;
        }
        const client = connected.value!;
        try {
          const r = await outcome(run(client, what));
          expectTyped(r, { script, how, what });
          const attempts = what === 'ping' || what === 'hello' ? 1 + RETRIES : 1;
          expect(r.ms).toBeLessThan(attempts * TIMEOUT_MS + SLACK_MS);
        } finally {
          await client.close();
        }
      }), { numRuns: 80, seed: 1313 });
  }, 60_000);
});

describe('against the fake token behind a real pty', () => {
  let fakes: FakeToken[] = [];
  afterAll(async () => { for (const f of fakes) await f.stop(); fakes = []; });

  /** A fake that answers HELLO honestly and PING with `onPing`. */
  async function withPing(onPing: (f: { id: number }, fake: FakeToken) => FakeAction): Promise<{ client: TokenClient; fake: FakeToken }> {
    const fake = await startFakeToken({ handler: (f, self) => (f.op === 'PING' ? onPing(f, self) : undefined) });
    fakes.push(fake);
    const client = await TokenClient.connect(fake.port, { timeoutMs: 300, retries: 1 });
    return { client, fake };
  }
  const okLine = (id: number) => `!${id} OK*`;

  it('dribbled a byte at a time, a valid reply is still read', async () => {
    const { client } = await withPing((f) => {
      const line = encodeFrame({ id: f.id, op: 'OK', args: {} }, crc32);
      return [...line].map((c, i) => ({ op: 'OK', raw: c, delayMs: 1 + i * 3 }));
    });
    try {
      await expect(client.ping()).resolves.toBeUndefined();
    } finally { await client.close(); }
  });

  it('closing mid-frame ends the request at once with TokenDisconnected', async () => {
    const { client } = await withPing((f, fake) => {
      setTimeout(() => void fake.unplug(), 50);
      return [{ op: 'OK', raw: okLine(f.id).slice(0, 4) }];
    });
    const r = await outcome(client.ping());
    expect((r.error as SerialError).name).toBe('TokenDisconnected');
    expect(r.ms).toBeLessThan(300 + SLACK_MS);
    await client.close();
  });

  it('only wrong ids: TokenTimeout after the retries, nothing taken for an answer', async () => {
    const { client, fake } = await withPing((f) => [{ op: 'OK', id: f.id + 1 }, { op: 'OK', id: f.id - 1 }]);
    try {
      const r = await outcome(client.ping());
      expect((r.error as SerialError).name).toBe('TokenTimeout');
      expect(r.ms).toBeLessThan(2 * 300 + SLACK_MS);
      expect(fake.received.filter((x) => x.op === 'PING')).toHaveLength(2);
    } finally { await client.close(); }
  });

  it('a line longer than any frame, with or without its end: BadReply or TokenTimeout, typed', async () => {
    for (const newline of [true, false]) {
      const { client } = await withPing(() => [{ op: 'OK', raw: '!' + '7'.repeat(3000) + (newline ? '\n' : '') }]);
      try {
        const r = await outcome(client.ping());
        expect((r.error as SerialError).name).toBe(newline ? 'BadReply' : 'TokenTimeout');
        expect(r.ms).toBeLessThan(2 * 300 + SLACK_MS);
      } finally { await client.close(); }
    }
  });
});

