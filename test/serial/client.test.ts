/**
 * The serial client against a scripted fake token behind a real pty (see fake-token.ts): handshake,
 * ids, timeouts, retries of idempotent requests only, WAIT, token errors, and each link failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MAX_ID, SerialError, TokenClient } from '@hwtotp/verifier';
import { FakeToken, startFakeToken } from './fake-token.ts';
import { refusal } from '../helpers/refusal.ts';

let fakes: FakeToken[] = [];
let clients: TokenClient[] = [];
afterEach(async () => {
  for (const c of clients) await c.close();
  for (const f of fakes) await f.stop();
  fakes = [];
  clients = [];
});

async function fake(opts: Parameters<typeof startFakeToken>[0] = {}): Promise<FakeToken> {
  const f = await startFakeToken(opts);
  fakes.push(f);
  return f;
}
async function connect(port: string, opts: Parameters<typeof TokenClient.connect>[1] = {}): Promise<TokenClient> {
  const c = await TokenClient.connect(port, opts);
  clients.push(c);
  return c;
}
const rejection = (p: Promise<unknown>) => refusal(p, SerialError);

describe('serial client', () => {
  it('makes the HELLO handshake and parses the reply', async () => {
    const f = await fake();
    const c = await connect(f.port);
    expect(c.info).toMatchObject({ proto: 1, board: 'pico', state: 'blank', clockSet: false, hashes: ['SHA1', 'SHA256'] });
    expect(f.received[0]).toMatchObject({ op: 'HELLO', args: { proto: '1' } });
  });

  it('refuses a token speaking another protocol version, naming both versions', async () => {
    const f = await fake({ proto: 2 });
    const e = await rejection(TokenClient.connect(f.port));
    expect(e.name).toBe('ProtocolMismatch');
    expect(e.message).toMatch(/v2.*v1/);
  });

  it('reports a port that does not exist', async () => {
    const e = await rejection(TokenClient.connect('/dev/hwtotp-no-such-port'));
    expect(e.name).toBe('PortNotFound');
    expect(e.message).toContain('/dev/hwtotp-no-such-port');
  });

  it('reports a busy port (held with an exclusive lock by another opener)', async () => {
    const f = await fake();
    await connect(f.port);
    const e = await rejection(TokenClient.connect(f.port));
    expect(e.name).toBe('PortBusy');
    expect(e.message).toContain(f.port);
  });

  it('numbers requests upwards and wraps below 100000000', async () => {
    const f = await fake();
    const c = await connect(f.port, { firstId: MAX_ID - 1 });
    await c.ping();
    await c.ping();
    expect(f.received.map((r) => r.id)).toEqual([MAX_ID - 1, MAX_ID, 1]);
  });

  it('maps an ERR reply to TokenError carrying the wire code', async () => {
    const f = await fake();
    const c = await connect(f.port);
    f.state = { blank: false, serial: 'HWT000000017', alg: 'SHA1', digits: 6, period: 30, kcv: 'ABCDEF' };
    const e = await rejection(c.provision({ serial: 'HWT000000025', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1800000000 }));
    expect(e.name).toBe('TokenError');
    expect(e.wireCode).toBe('WRONG_STATE');
  });

  it('retries an idempotent request that got no reply, with a new id', async () => {
    let drops = 1;
    const f = await fake({ handler: (fr) => (fr.op === 'PING' && drops-- > 0 ? 'drop' : undefined) });
    const c = await connect(f.port, { timeoutMs: 200 });
    await c.ping();
    const pings = f.received.filter((r) => r.op === 'PING');
    expect(pings).toHaveLength(2);
    expect(pings[1]!.id).toBe(pings[0]!.id + 1);
  });

  it('never retries PROVISION: a timeout says the outcome is unknown', async () => {
    const f = await fake({ handler: (fr) => (fr.op === 'PROVISION' ? 'drop' : undefined) });
    const c = await connect(f.port, { timeoutMs: 200, provisionTimeoutMs: 300 });
    const e = await rejection(c.provision({ serial: 'HWT000000025', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1800000000 }));
    expect(e.name).toBe('TokenTimeout');
    expect(e.message).toMatch(/PROVISION.*may or may not/);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.received.filter((r) => r.op === 'PROVISION')).toHaveLength(1);
  });

  it('never retries WIPE even after a garbled reply', async () => {
    const f = await fake({ handler: (fr) => (fr.op === 'WIPE' ? [{ op: 'ERR', id: 0, args: { code: 'BAD_CHECKSUM' } }] : undefined) });
    const c = await connect(f.port, { timeoutMs: 300 });
    const e = await rejection(c.wipe());
    expect(e.wireCode).toBe('BAD_CHECKSUM');
    expect(f.received.filter((r) => r.op === 'WIPE')).toHaveLength(1);
  });

  it('WAIT extends the timeout and is surfaced once per WAIT', async () => {
    const f = await fake({ pressAfterMs: 600 });
    const c = await connect(f.port, { timeoutMs: 200 });
    const waits: string[] = [];
    await c.wipe({ onWait: (w) => waits.push(`${w.op} ${w.reason} ${w.timeout}`) });
    expect(waits).toEqual(['WIPE presence 10']);
    expect(f.state.blank).toBe(true);
  });

  it('a pulled cable rejects the request in flight at once, not after its timeout', async () => {
    const f = await fake({ handler: (fr) => (fr.op === 'PROVISION' ? 'unplug' : undefined) });
    const c = await connect(f.port, { provisionTimeoutMs: 10000 });
    const t0 = Date.now();
    const e = await rejection(c.provision({ serial: 'HWT000000025', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1800000000 }));
    expect(e.name).toBe('TokenDisconnected');
    expect(e.message).toMatch(/disconnected while waiting for the reply to PROVISION/);
    expect(Date.now() - t0).toBeLessThan(1500);
    const again = await rejection(c.ping());
    expect(again.name).toBe('TokenDisconnected');
  });

  it('a pulled cable during the handshake is a clear error', async () => {
    const f = await fake({ handler: (fr) => (fr.op === 'HELLO' ? 'unplug' : undefined) });
    const e = await rejection(TokenClient.connect(f.port, { timeoutMs: 5000 }));
    expect(e.name).toBe('TokenDisconnected');
  });

  it('close() leaves no handle behind: a child process exits promptly', async () => {
    const f = await fake();
    const script = fileURLToPath(new URL('./fixtures/connect-and-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, f.port], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let closedAt = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!closedAt && out.includes('closed')) closedAt = Date.now();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const exitedAfter = Date.now() - closedAt;
    expect(code).toBe(0);
    expect(out).toContain('board=pico');
    expect(closedAt).toBeGreaterThan(0);
    expect(exitedAfter).toBeLessThan(2000);
  });

  it('ignores console noise around replies, even on the same line as a frame', async () => {
    const f = await fake({
      handler: (fr) => (fr.op === 'PROVISION' ? [
        { op: '', raw: '\r\nEspruino 2v29 (c) 2025 G.Williams\r\n>' },
        { op: 'OK', args: { kcv: 'ABCDEF', serial: 'HWT000000025' } },
      ] : undefined),
    });
    const c = await connect(f.port);
    const r = await c.provision({ serial: 'HWT000000025', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1800000000 });
    expect(r).toEqual({ kcv: 'ABCDEF', serial: 'HWT000000025' });
  });

  it('a garbled reply is retried for PING but fails PROVISION as of unknown outcome', async () => {
    let garble = 1;
    const f = await fake({
      handler: (fr) => (fr.op === 'PING' && garble-- > 0) || fr.op === 'PROVISION' ? [{ op: '', raw: `!${fr.id} OK*00000000\n` }] : undefined,
    });
    const c = await connect(f.port);
    await c.ping();
    expect(f.received.filter((r) => r.op === 'PING')).toHaveLength(2);
    const e = await rejection(c.provision({ serial: 'HWT000000025', secret: new Uint8Array(20), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1800000000 }));
    expect(e.name).toBe('BadReply');
    expect(e.message).toMatch(/garbled reply .* to PROVISION/);
    expect(f.received.filter((r) => r.op === 'PROVISION')).toHaveLength(1);
  });
});
