/**
 * WIPE must leave no byte of the seed in the token's flash. On Espruino, Storage.erase only marks a
 * file deleted and an overwrite leaves the old file behind, deleted; both stay readable off the chip
 * until Storage is compacted. The simulator's flash keeps them the same way (storage.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Frame } from '@hwtotp/protocol';
import { BoardName, Simulator, startSimulator } from '@hwtotp/tools/sim';
import { SEED_HEX, SERIAL, TokenClient, bundle, tempDir, stopSim } from './helpers.ts';

let sim: Simulator | undefined;
let client: TokenClient | undefined;
afterEach(async () => {
  await stopSim(client, sim);
  client = sim = undefined;
});

const holdsSeed = (image: string) => image.toLowerCase().includes(SEED_HEX.toLowerCase());

describe("the simulator's flash keeps deleted bytes until compaction, as Espruino's does", () => {
  it('erase and overwrite leave the old bytes in the image; compact() removes them', async () => {
    const file = join(tempDir(), 'bundle.js');
    writeFileSync(file, [
      'var S = require("Storage");',
      'S.write("a", "SECRET-ONE"); S.write("a", "plain"); S.write("b", "SECRET-TWO"); S.erase("b");',
      'setTimeout(function () { S.compact(); }, 1000);',
    ].join('\n'));
    const state = join(tempDir(), 'state.json');
    sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual', state });
    expect([...sim.files().entries()]).toEqual([['a', 'plain']]);
    expect(sim.flashImage()).toContain('SECRET-ONE');
    expect(sim.flashImage()).toContain('SECRET-TWO');
    await sim.stop();
    // deleted bytes survive a power cycle too; the timer compacts on this second run
    sim = await startSimulator({ board: 'pico', bundle: file, clock: 'virtual', state });
    expect(sim.flashImage()).toContain('SECRET-ONE');
    await sim.advance(2);
    expect(sim.flashImage()).toBe('plain');
  });
});

describe('firmware: after WIPE no byte of the seed is left in flash', () => {
  for (const board of ['pico', 'banglejs2'] as BoardName[]) {
    it(`${board}: provision, set the time (one more copy of the record), confirm WIPE`, async () => {
      sim = await startSimulator({ board, bundle: bundle(board), clock: 'virtual' });
      client = await TokenClient.open(sim.port);
      const prov = await client.request('PROVISION', { serial: SERIAL, secret: SEED_HEX, alg: 'SHA1', digits: '6', period: '30', time: String(Math.floor(sim.time())) });
      expect(prov.op).toBe('OK');
      const confirmed = async (op: string, args: { [k: string]: string }): Promise<Frame> => {
        let waited!: () => void;
        const waiting = new Promise<void>((r) => (waited = r));
        const reply = client!.request(op, args, { onWait: () => waited() });
        await waiting;
        await sim!.settled();
        await sim!.press();
        return reply;
      };
      expect((await confirmed('SETTIME', { time: String(Math.floor(sim.time()) + 5) })).op).toBe('OK');
      expect(holdsSeed(sim.flashImage())).toBe(true);
      expect((await confirmed('WIPE', {})).op).toBe('OK');
      expect((await client.request('HELLO')).args.state).toBe('blank');
      expect(holdsSeed(sim.flashImage())).toBe(false);
    });
  }
});
