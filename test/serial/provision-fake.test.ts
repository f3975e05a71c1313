/**
 * The provisioning flow's refusals and recoveries that the firmware cannot be made to produce on
 * demand (a wrong KCV, a firmware without KCV in HELLO, an ERR to PROVISION), through the real client,
 * a real pty (scripted fake token) and a real SQLite registry. The same flow against the firmware in
 * the simulator is in provision-sim.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kcv } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { TokenClient } from '@hwtotp/verifier';
import { ProvisionError, provisionToken, validateSerialCheck } from '@hwtotp/verifier';
import { FakeAction, FakeToken, FakeOptions, startFakeToken } from './fake-token.ts';
import { cli } from './cli-helper.ts';
import { refusal } from '../helpers/refusal.ts';

let dir: string;
let registry: Verifier;
let fakes: FakeToken[] = [];
let clients: TokenClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hwtotp-prov-'));
  registry = await openVerifier({ db: join(dir, 'reg.db'), masterKey: randomBytes(32) });
});
afterEach(async () => {
  for (const c of clients) await c.close();
  for (const f of fakes) await f.stop();
  clients = [];
  fakes = [];
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

async function token(opts: FakeOptions = {}): Promise<{ fake: FakeToken; client: TokenClient }> {
  const fake = await startFakeToken(opts);
  fakes.push(fake);
  const client = await TokenClient.connect(fake.port, { timeoutMs: 1000 });
  clients.push(client);
  return { fake, client };
}


async function state(serial: string): Promise<string | undefined> {
  try {
    return (await registry.token(serial)).state;
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntity') return undefined;
    throw e;
  }
}

describe('provisioning (scripted token)', () => {
  it('allocates a checked serial, sends a 20-byte seed with the clock, and marks ready on a matching KCV', async () => {
    const { fake, client } = await token();
    const r = await provisionToken(registry, client, { now: () => 1_800_000_000_500 });
    expect(validateSerialCheck(r.serial)).toBe(true);
    expect(r.serial).toMatch(/^HWT\d{8}[0-9A-Z]$/);
    const sent = fake.received.find((f) => f.op === 'PROVISION')!;
    expect(sent.args.secret).toMatch(/^[0-9a-f]{40}$/);
    expect(sent.args.time).toBe('1800000000');
    expect(r.kcv).toBe(fake.state.kcv);
    expect(await state(r.serial)).toBe('unassigned');
    expect((await registry.token(r.serial)).kcv).toBe(r.kcv);
  });

  it('uses 32 and 64-byte seeds for SHA256 and SHA512', async () => {
    const a = await token();
    await provisionToken(registry, a.client, { algorithm: 'SHA256' });
    expect(a.fake.received.find((f) => f.op === 'PROVISION')!.args.secret).toHaveLength(64);
    const b = await token({ hashes: 'SHA1,SHA256,SHA512' });
    await provisionToken(registry, b.client, { algorithm: 'SHA512', digits: 8, period: 60 });
    const sent = b.fake.received.find((f) => f.op === 'PROVISION')!;
    expect(sent.args.secret).toHaveLength(128);
    expect(sent.args).toMatchObject({ alg: 'SHA512', digits: '8', period: '60' });
  });

  it('refuses an algorithm the board lacks before any seed is drawn or recorded', async () => {
    const { fake, client } = await token({ hashes: 'SHA1,SHA256' });
    const e = await refusal(provisionToken(registry, client, { algorithm: 'SHA512', serial: 'HWT-TEST-1' }));
    expect(e.name).toBe('AlgorithmUnsupported');
    expect(e.message).toMatch(/SHA512.*SHA1, SHA256/);
    expect(fake.received.some((f) => f.op === 'PROVISION')).toBe(false);
    expect(await state('HWT-TEST-1')).toBeUndefined();
  });

  it('refuses a token that is not blank, with its serial in the message', async () => {
    const { fake, client } = await token();
    fake.state = { blank: false, serial: 'OTHER00001', alg: 'SHA1', digits: 6, period: 30, kcv: 'ABCDEF' };
    const e = await refusal(provisionToken(registry, client));
    expect(e.name).toBe('TokenNotBlank');
    expect(e.message).toContain('OTHER00001');
    expect(e.message).toContain('hwtotp wipe');
    expect(fake.received.some((f) => f.op === 'PROVISION')).toBe(false);
  });

  it('an ERR to PROVISION removes the pending entry: the registry is as before', async () => {
    const { client } = await token({ handler: (f) => (f.op === 'PROVISION' ? [{ op: 'ERR', args: { code: 'BAD_ARG', msg: 'nope' } }] : undefined) });
    const e = await refusal(provisionToken(registry, client, { serial: 'HWT-TEST-2' }));
    expect(e.wireCode).toBe('BAD_ARG');
    expect(await state('HWT-TEST-2')).toBeUndefined();
  });

  it('a wrong KCV leaves the token pending, never ready; the advice given (wipe, re-run with --serial) finishes it', async () => {
    let garble = true;
    const { fake, client } = await token({ handler: (f) => (garble && f.op === 'PROVISION' ? [{ op: 'OK', args: { kcv: '000000', serial: f.args.serial! } }] : undefined) });
    const e = await refusal(provisionToken(registry, client, { serial: 'HWT-TEST-3' }));
    expect(e).toBeInstanceOf(ProvisionError);
    expect(e.name).toBe('KcvMismatch');
    expect(e.message).toMatch(/000000.*pending.*hwtotp wipe --port .*then provision it again under the same serial \(hwtotp provision --port \S+ --serial HWT-TEST-3\)/);
    expect(await state('HWT-TEST-3')).toBe('pending');
    await expect(registry.enable('alice', 'key', 'HWT-TEST-3', '000000', '000000')).rejects.toThrow();
    // Follow the message: the wipe leaves the token blank, and the re-run keeps the serial.
    garble = false;
    fake.state = { blank: true };
    const again = await provisionToken(registry, client, { serial: 'HWT-TEST-3' });
    expect([again.serial, again.outcome]).toEqual(['HWT-TEST-3', 'resumed']);
    expect(await state('HWT-TEST-3')).toBe('unassigned');
  });

  it('a re-run resolves a pending token that already holds the seed, when the firmware reports its KCV', async () => {
    const { fake, client } = await token();
    const crash = new Error('simulated crash after PROVISION');
    const e = await refusal(provisionToken(registry, client, { serial: 'HWT-TEST-4', onStep: (s) => { if (s === 'sent') throw crash; } }));
    expect(e).toBe(crash);
    expect(await state('HWT-TEST-4')).toBe('pending');
    expect(fake.state.blank).toBe(false);
    const r = await provisionToken(registry, client, {});
    expect(r).toMatchObject({ serial: 'HWT-TEST-4', outcome: 'resumed', kcv: fake.state.kcv });
    expect(await state('HWT-TEST-4')).toBe('unassigned');
    expect(fake.received.filter((f) => f.op === 'PROVISION')).toHaveLength(1);
  });

  it('a re-run refuses to guess when the token holds a different seed than the pending one', async () => {
    const { fake, client } = await token();
    await refusal(provisionToken(registry, client, { serial: 'HWT-TEST-5', onStep: (s) => { if (s === 'sent') throw new Error('crash'); } }));
    fake.state.kcv = kcv(nobleHmac, 'SHA1', new Uint8Array(20)); // someone reprovisioned it meanwhile
    const e = await refusal(provisionToken(registry, client, {}));
    expect(e.name).toBe('PendingUnresolved');
    expect(e.message).toMatch(/HWT-TEST-5.*wipe/);
    expect(await state('HWT-TEST-5')).toBe('pending');
  });

  it('refuses a serial already in use by a ready token', async () => {
    const a = await token();
    await provisionToken(registry, a.client, { serial: 'HWT-TEST-6' });
    const b = await token();
    const e = await refusal(provisionToken(registry, b.client, { serial: 'HWT-TEST-6' }));
    expect(e.name).toBe('EntityAlreadyExists');
    expect(b.fake.received.some((f) => f.op === 'PROVISION')).toBe(false);
  });

  it('the CLI refuses a token speaking protocol v2 with both versions named, and records nothing', async () => {
    const fake = await startFakeToken({ proto: 2 });
    fakes.push(fake);
    const db = join(dir, 'cli.db');
    const run = await cli(['provision', '--port', fake.port, '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ProtocolMismatch: token on .* speaks wire protocol v2, but this verifier speaks only v1/);
    expect(fake.received.map((f) => f.op)).toEqual(['HELLO']);
    const info = await cli(['info', '--port', fake.port]);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(/ProtocolMismatch/);
    const v = await openVerifier({ db });
    try {
      expect(await v.list()).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it('wipe without a press: the CLI says nobody pressed and nothing changed (exit 1)', async () => {
    const fake = await startFakeToken({
      handler: (f): FakeAction | undefined => (f.op === 'WIPE' ? [
        { op: 'WAIT', args: { reason: 'presence', timeout: '1' } },
        { op: 'ERR', args: { code: 'PRESENCE_REQUIRED', msg: 'no press within 1 s' }, delayMs: 200 },
      ] : undefined),
    });
    fakes.push(fake);
    fake.state = { blank: false, serial: 'HWT-TEST-7', alg: 'SHA1', digits: 6, period: 30, kcv: 'ABCDEF', time: 1800000000 };
    const run = await cli(['wipe', '--port', fake.port]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/press the button on the token to confirm the wipe \(within 1 s/);
    expect(run.stderr).toMatch(/nobody pressed the button on the token in time: the wipe was not done, nothing changed/);
  });
});
