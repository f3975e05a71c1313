/**
 * The real firmware bundle in the simulator, driven through the real pty with `serialport`: HELLO,
 * PROVISION with an independently computed KCV, the code on screen against oathtool, and the period
 * boundary on a virtual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator, startSimulator } from '@hwtotp/tools/sim';
import { SEED_HEX, SERIAL, TokenClient, aMomentLater, bundle, codeOnScreen, expectedKcv, oathtool, stopSim } from './helpers.ts';

let sim: Simulator | undefined;
let client: TokenClient | undefined;
afterEach(async () => {
  await stopSim(client, sim);
  client = sim = undefined;
});

describe('simulated pico through the pty', () => {
  it('answers HELLO, provisions with the right KCV, and shows the code oathtool computes', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    expect(sim.startupMs).toBeLessThan(1000);
    console.log(`sim start-up (pico, in-process, to ready): ${sim.startupMs.toFixed(1)} ms`);
    expect(sim.screen()).toEqual(['NOT PROVISIONED']);
    client = await TokenClient.open(sim.port);

    const hello = await client.request('HELLO', { proto: '1' });
    expect(hello.op).toBe('OK');
    expect(hello.args).toMatchObject({ proto: '1', board: 'pico', state: 'blank', hashes: 'SHA1,SHA256' });

    const time = Math.floor(sim.time());
    const prov = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(time) });
    expect(prov.op).toBe('OK');
    expect(prov.args.kcv).toBe(expectedKcv(SEED_HEX));
    expect(prov.args.serial).toBe(SERIAL);

    const info = await client.request('HELLO');
    expect(info.args).toMatchObject({ state: 'provisioned', serial: SERIAL, alg: 'SHA1', digits: '6', period: '30', clock: 'set' });

    await aMomentLater(sim);
    const lines = await sim.press();
    expect(codeOnScreen(lines)).toBe(oathtool(SEED_HEX, sim.time()));
    expect(lines[1]).toMatch(/^\d+s$/);
  });

  it('refuses an algorithm the board cannot hash, naming it', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    const r = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX + SEED_HEX + SEED_HEX, alg: 'SHA512', digits: '6', period: '30', time: String(Math.floor(sim.time())) });
    expect(r.op).toBe('ERR');
    expect(r.args.code).toBe('BAD_ARG');
    expect(r.args.msg).toMatch(/SHA512/);
  });

  it('changes the code shown at the period boundary (virtual clock)', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    // provision at a time 3 s before a boundary, so the boundary comes while the code is shown
    const t = (Math.floor(sim.time() / 30) + 1) * 30 - 3;
    expect((await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(t) })).op).toBe('OK');
    await aMomentLater(sim);
    const before = codeOnScreen(await sim.press());
    expect(before).toBe(oathtool(SEED_HEX, t));
    await sim.advance(3);
    const after = codeOnScreen(sim.screen());
    expect(after).toBe(oathtool(SEED_HEX, t + 4));
    expect(after).not.toBe(before);
  });

  for (const board of ['banglejs2', 'pixljs'] as const) {
    it(`${board}: provisions over its Bluetooth link and shows the oathtool code`, async () => {
      sim = await startSimulator({ board, bundle: bundle(board), clock: 'virtual' });
      expect(sim.startupMs).toBeLessThan(1000);
      client = await TokenClient.open(sim.port);
      expect((await client.request('HELLO')).args.board).toBe(board);
      const prov = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA256', digits: '8', period: '60', time: String(Math.floor(sim.time())) });
      expect(prov.args.kcv).toBe(expectedKcv(SEED_HEX, 'SHA256'));
      await aMomentLater(sim);
      const code = codeOnScreen(await sim.press());
      expect(code).toBe(oathtool(SEED_HEX, sim.time(), { algorithm: 'SHA256', digits: 8, period: 60 }));
    });
  }

  for (const board of ['pico', 'banglejs2', 'pixljs'] as const) {
    it(`${board}: the screen goes dark after its timeout and a press lights it`, async () => {
      sim = await startSimulator({ board, bundle: bundle(board), clock: 'virtual' });
      expect(sim.screen()).not.toEqual([]);
      const dark = new Promise<void>((r) => sim!.events.on('display', (l: string[]) => l.length === 0 && r()));
      await sim.advance(120);
      await dark;
      expect(sim.screen()).toEqual([]);
      expect(await sim.press()).toContain('NOT PROVISIONED');
    });
  }

  it('presence: a press confirms SETTIME on a provisioned token, a 3 s hold refuses WIPE', async () => {
    sim = await startSimulator({ board: 'pico', bundle: bundle('pico'), clock: 'virtual' });
    client = await TokenClient.open(sim.port);
    await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(Math.floor(sim.time())) });
    const waitThen = async (op: string, args: { [k: string]: string }, act: () => Promise<string[]>) => {
      let waited!: () => void;
      const waiting = new Promise<void>((r) => (waited = r));
      const reply = client!.request(op, args, { onWait: () => waited() });
      await waiting;
      await sim!.settled();
      expect(sim!.screen().join(' ')).toMatch(/PRESS TO CONFIRM/);
      await act();
      return reply;
    };
    const set = await waitThen('SETTIME', { time: '2000000000' }, () => sim!.press());
    expect(set.op).toBe('OK');
    expect(sim.time()).toBeCloseTo(2000000000, 0);
    const wipe = await waitThen('WIPE', {}, () => sim!.hold(3));
    expect(wipe.op).toBe('ERR');
    expect(wipe.args.code).toBe('PRESENCE_DENIED');
    expect((await client.request('HELLO')).args.state).toBe('provisioned');
  });
});
