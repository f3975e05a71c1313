/**
 * The token's clock (skew, drift, virtual), its state across restarts, power cuts between Storage
 * steps, and the serial link being closed, reopened and pulled. All with the real firmware bundle.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator, SimulatorOptions, startSimulator } from '@hwtotp/tools/sim';
import { SEED_HEX, SERIAL, TokenClient, aMomentLater, bundle, codeOnScreen, expectedKcv, oathtool, tempDir } from './helpers.ts';

const open: { sim?: Simulator; client?: TokenClient }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.client?.close();
    await o.sim?.stop();
  }
});

async function start(opts: SimulatorOptions): Promise<{ sim: Simulator; client: TokenClient }> {
  const sim = await startSimulator({ board: 'pico', bundle: bundle(opts.board ?? 'pico'), ...opts });
  const client = await TokenClient.open(sim.port);
  const o = { sim, client };
  open.push(o);
  return o;
}

async function provision(sim: Simulator, client: TokenClient, time = Math.floor(sim.hostTime())) {
  const r = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(time) });
  expect(r.op).toBe('OK');
  return r;
}

async function shutdown(o: { sim: Simulator; client: TokenClient }) {
  await o.client.close();
  await o.sim.stop();
}

describe('clock', () => {
  it('skew: a token restarted 90 s ahead shows the code 3 steps ahead of the host', async () => {
    const state = join(tempDir(), 'state.json');
    const a = await start({ state, clock: 'virtual' });
    await provision(a.sim, a.client);
    await shutdown(a);
    const b = await start({ state, clock: 'virtual', skew: 90 });
    const host = b.sim.hostTime();
    const code = codeOnScreen(await b.sim.press());
    const hostStep = Math.floor(host / 30);
    expect(code).toBe(oathtool(SEED_HEX, (hostStep + 3) * 30));
    expect(code).not.toBe(oathtool(SEED_HEX, host));
  });

  it('drift: +100000 ppm for 600 s puts the token 60 s (2 steps) ahead', async () => {
    const { sim, client } = await start({ clock: 'virtual', driftPpm: 100000 });
    const t = Math.floor(sim.hostTime());
    await provision(sim, client, t);
    const offsetAtStart = sim.time() - sim.hostTime();
    await sim.advance(600);
    const offset = sim.time() - sim.hostTime() - offsetAtStart;
    expect(offset).toBeCloseTo(60, 6);
    const code = codeOnScreen(await sim.press());
    expect(code).toBe(oathtool(SEED_HEX, sim.time()));
    expect(Math.round((sim.time() - (t + 600)) / 30)).toBe(2);
    expect(code).toBe(oathtool(SEED_HEX, t + 600 + 60));
  });

  it('real clock with skew: the code shown is for host time + skew', async () => {
    const { sim, client } = await start({ clock: 'real', skew: -45 });
    // provisioning sets the clock; the skew is what the token had before it, so restart-free:
    expect(sim.time() - Date.now() / 1000).toBeCloseTo(-45, 0);
    await provision(sim, client, Math.floor(sim.time()));
    await aMomentLater(sim);
    const lines = await sim.press();
    const now = Date.now() / 1000 - 45;
    expect([oathtool(SEED_HEX, now), oathtool(SEED_HEX, now - 1)]).toContain(codeOnScreen(lines));
  });

  it('SETTIME on a blank token moves the virtual clock; advance runs the firmware timers', async () => {
    const { sim, client } = await start({ clock: 'virtual' });
    const r = await client.request('SETTIME', { time: '1900000000' });
    expect(r.op).toBe('OK');
    expect(sim.time()).toBeCloseTo(1900000000, 1);
    await sim.advance(10);
    expect(sim.time()).toBeCloseTo(1900000010, 1);
  });
});

describe('state file', () => {
  it('survives a restart: serial, seed (same codes) and provisioned state', async () => {
    const state = join(tempDir(), 'state.json');
    const a = await start({ state, clock: 'virtual' });
    const kcv = (await provision(a.sim, a.client)).args.kcv;
    const saved = readFileSync(state, 'utf8');
    expect(statSync(state).mode & 0o777).toBe(0o600); // it holds the seed
    await shutdown(a);
    const b = await start({ state, clock: 'virtual' });
    const hello = await b.client.request('HELLO');
    expect(hello.args).toMatchObject({ state: 'provisioned', serial: SERIAL });
    expect(kcv).toBe(expectedKcv(SEED_HEX));
    expect(codeOnScreen(await b.sim.press())).toBe(oathtool(SEED_HEX, b.sim.time()));
    expect(readFileSync(state, 'utf8')).toBe(saved);
  });

  it('rejects a state file that is not one, naming it', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, '{"files": 1}');
    await expect(startSimulator({ board: 'pico', bundle: bundle('pico'), state: bad })).rejects.toThrow(/bad\.json.*format/);
  });
});

describe('power cut between Storage steps', () => {
  it('provisioning cut at each Storage step restarts blank or fully provisioned, never broken', async () => {
    // how many Storage steps a provisioning takes, measured
    const probe = await start({ clock: 'virtual', state: join(tempDir(), 's.json') });
    const before = probe.sim.storageOps();
    await provision(probe.sim, probe.client);
    const steps = probe.sim.storageOps() - before;
    expect(steps).toBeGreaterThan(0);
    await shutdown(probe);

    for (let n = 1; n <= steps; n++) {
      const state = join(tempDir(), 'state.json');
      const a = await start({ state, clock: 'virtual' });
      a.sim.powerCutAfter(n);
      const reply = a.client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(Math.floor(a.sim.time())) }, { timeoutMs: 400 });
      await expect(reply).rejects.toThrow(/no reply/);
      expect(a.sim.poweredOff).toBe(true);
      expect(a.sim.screen()).toEqual([]);
      await expect(a.sim.press()).rejects.toThrow(/power cut/);
      await shutdown(a);

      const b = await start({ state, clock: 'virtual' });
      const hello = await b.client.request('HELLO');
      expect(hello.op).toBe('OK');
      if (hello.args.state === 'provisioned') {
        expect(hello.args.serial).toBe(SERIAL);
        expect(codeOnScreen(await b.sim.press())).toBe(oathtool(SEED_HEX, b.sim.time()));
      } else {
        expect(hello.args.state).toBe('blank');
        // and it can still be provisioned
        expect((await provision(b.sim, b.client)).args.kcv).toBe(expectedKcv(SEED_HEX));
      }
      await shutdown(b);
    }
  });

  it('a wipe cut at each Storage step restarts with the old token or a blank one', async () => {
    const base = join(tempDir(), 'base.json');
    const p = await start({ state: base, clock: 'virtual' });
    await provision(p.sim, p.client);
    await shutdown(p);
    const baseState = readFileSync(base, 'utf8');

    const wipe = async (o: { sim: Simulator; client: TokenClient }, timeoutMs: number) => {
      let waited!: () => void;
      const waiting = new Promise<void>((r) => (waited = r));
      const reply = o.client.request('WIPE', {}, { timeoutMs, onWait: () => waited() });
      await waiting;
      o.sim.press().catch(() => undefined);
      return reply;
    };
    const probeState = join(tempDir(), 'probe.json');
    (await import('node:fs')).writeFileSync(probeState, baseState);
    const probe = await start({ state: probeState, clock: 'virtual' });
    const before = probe.sim.storageOps();
    expect((await wipe(probe, 2000)).args).toMatchObject({ state: 'blank' });
    const steps = probe.sim.storageOps() - before;
    expect(steps).toBeGreaterThan(0);
    await shutdown(probe);

    for (let n = 1; n <= steps; n++) {
      const state = join(tempDir(), 'state.json');
      (await import('node:fs')).writeFileSync(state, baseState);
      const a = await start({ state, clock: 'virtual' });
      a.sim.powerCutAfter(n);
      await expect(wipe(a, 400)).rejects.toThrow(/no reply/);
      expect(a.sim.poweredOff).toBe(true);
      await shutdown(a);
      const b = await start({ state, clock: 'virtual' });
      const hello = await b.client.request('HELLO');
      expect(['provisioned', 'blank']).toContain(hello.args.state);
      if (hello.args.state === 'provisioned') expect(codeOnScreen(await b.sim.press())).toBe(oathtool(SEED_HEX, b.sim.time()));
      await shutdown(b);
    }
  });
});

describe('serial link', () => {
  it('the host can close and reopen the port many times', async () => {
    const { sim, client } = await start({ clock: 'virtual' });
    await client.close();
    for (let i = 0; i < 8; i++) {
      const c = await TokenClient.open(sim.port);
      expect((await c.request('PING')).op).toBe('OK');
      await c.close();
    }
  });

  it('unplug() pulls the cable mid-stream; replug() brings the same port back', async () => {
    const { sim, client } = await start({ clock: 'virtual' });
    expect((await client.request('PING')).op).toBe('OK');
    client.port.on('error', () => undefined);
    const closed = new Promise<string>((r) => client.port.once('close', () => r('closed')));
    await sim.unplug();
    // like a pulled USB cable: the host's next write fails (EIO) and serialport closes the port
    const write = client.write('!1 PING*00000000\n').then(() => 'written', (e: Error) => e.message);
    const outcome = await Promise.race([write, closed, new Promise((r) => setTimeout(() => r('nothing happened'), 3000))]);
    expect(outcome).toMatch(/EIO|closed/);
    await expect(TokenClient.open(sim.port)).rejects.toThrow();
    await sim.replug();
    const c = await TokenClient.open(sim.port);
    expect((await c.request('HELLO')).op).toBe('OK');
    await c.close();
  });
});
