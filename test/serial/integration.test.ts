/**
 * One link suite, two targets: always the simulator (the real firmware behind a real pty), and a real
 * token when TOKEN_PORT names its port (e.g. TOKEN_PORT=/dev/ttyACM0 npx vitest run test/serial/integration).
 * Without TOKEN_PORT the hardware branch is reported as skipped, never as passed.
 * Every check here is read-only for the token: nothing is provisioned, wiped or re-timed, so it is safe
 * to run against a token in use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boardNames, crc32, encodeFrame, FrameDecoder, PROTOCOL_VERSION } from '@hwtotp/protocol';
import { openSerialTransport, SerialError, TokenClient } from '@hwtotp/verifier';
import type { Simulator } from '../../tools/src/sim/simulator.ts';
import { startSim } from './sim-helper.ts';
import { refusal } from '../helpers/refusal.ts';

const TOKEN_PORT = process.env.TOKEN_PORT;
const TOKEN_BAUD = process.env.TOKEN_BAUD ? Number(process.env.TOKEN_BAUD) : undefined;

const rejection = (p: Promise<unknown>) => refusal(p, SerialError);

/** The checks, against whatever port `port()` gives once the suite's beforeAll ran. */
function linkSuite(port: () => string): void {
  const opts = () => ({ baudRate: TOKEN_BAUD, timeoutMs: 3000 });

  it('handshakes in protocol v1 and describes itself', async () => {
    const c = await TokenClient.connect(port(), opts());
    try {
      expect(c.info.proto).toBe(PROTOCOL_VERSION);
      expect(boardNames()).toContain(c.info.board);
      expect(c.info.fw).toMatch(/^\d+\.\d+\.\d+/);
      expect(['blank', 'provisioned']).toContain(c.info.state);
      expect(c.info.hashes).toContain('SHA1');
      if (c.info.state === 'provisioned') expect(c.info.serial).toBeDefined();
    } finally {
      await c.close();
    }
  });

  it('answers PINGs in order, quickly', async () => {
    const c = await TokenClient.connect(port(), opts());
    try {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await c.ping();
      const per = (performance.now() - t0) / 10;
      console.log(`round trip on ${port()}: ${per.toFixed(1)} ms per PING`);
      expect(per).toBeLessThan(500);
    } finally {
      await c.close();
    }
  });

  it('maps token errors to their wire codes: an unknown operation, then a bad checksum answered with id 0', async () => {
    const c = await TokenClient.connect(port(), opts());
    try {
      const e = await rejection(c.request('FROB', {}));
      expect(e.name).toBe('TokenError');
      expect(e.wireCode).toBe('UNKNOWN_OP');
      await c.ping(); // the link is still in step
    } finally {
      await c.close();
    }
    const t = await openSerialTransport(port(), { baudRate: TOKEN_BAUD });
    try {
      const good = encodeFrame({ id: 7, op: 'PING', args: {} }, crc32);
      const bad = good.replace(/\*[0-9A-F]{8}/, (m) => (m === '*00000000' ? '*00000001' : '*00000000'));
      const decoder = new FrameDecoder(crc32);
      const replies: { id: number; op?: string; code?: string }[] = [];
      t.onData((chunk) => {
        for (const r of decoder.push(chunk)) if (r.frame) replies.push({ id: r.frame.id, op: r.frame.op, code: r.frame.args.code });
      });
      await t.write('\n' + bad);
      const end = Date.now() + 3000;
      while (replies.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(replies[0]).toEqual({ id: 0, op: 'ERR', code: 'BAD_CHECKSUM' });
    } finally {
      await t.close();
    }
  });

  it('refuses a second opener while the port is held, and opens again once released', async () => {
    const c = await TokenClient.connect(port(), opts());
    const e = await rejection(TokenClient.connect(port(), opts()));
    expect(e.name).toBe('PortBusy');
    await c.close();
    const again = await TokenClient.connect(port(), opts());
    await again.ping();
    await again.close();
  });

  it('a process that used the port exits promptly after closing it', async () => {
    const script = fileURLToPath(new URL('./fixtures/connect-and-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, port()], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let closedAt = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!closedAt && out.includes('closed')) closedAt = Date.now();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(closedAt).toBeGreaterThan(0);
    expect(Date.now() - closedAt).toBeLessThan(2000);
  });
}

describe('serial link integration: simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSim();
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });
  linkSuite(() => sim.port);
});

describe.runIf(!!TOKEN_PORT)(`serial link integration: hardware token on ${TOKEN_PORT ?? '$TOKEN_PORT (unset: skipped)'}`, () => {
  linkSuite(() => TOKEN_PORT as string);
});
