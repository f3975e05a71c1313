/**
 * Provisioning end to end through the simulator: the real firmware bundle behind a real pty, the real
 * serial client, the real `hwtotp` binary where the user would use it, and a real SQLite registry file.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totp } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { openVerifier, type Verifier } from '@hwtotp/verifier';
import { TokenClient } from '@hwtotp/verifier';
import { provisionToken, validateSerialCheck } from '@hwtotp/verifier';
import type { Simulator } from '../../tools/src/sim/simulator.ts';
import { cutAt, picoBundle, startSim } from './sim-helper.ts';
import { cli } from './cli-helper.ts';
import { refusal } from '../helpers/refusal.ts';

let dir: string;
let db: string;
let sims: Simulator[] = [];
let verifiers: Verifier[] = [];
let clients: TokenClient[] = [];

beforeAll(async () => {
  await picoBundle();
}, 120_000);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwtotp-e2e-'));
  db = join(dir, 'reg.db');
});
afterEach(async () => {
  for (const c of clients) await c.close();
  for (const v of verifiers) await v.close();
  for (const s of sims) await s.stop();
  clients = [];
  verifiers = [];
  sims = [];
  rmSync(dir, { recursive: true, force: true });
});

async function sim(): Promise<Simulator> {
  const s = await startSim();
  sims.push(s);
  return s;
}
/** The registry, on the token's clock (a virtual clock moves only when the test says so). */
async function registry(s: Simulator): Promise<Verifier> {
  const v = await openVerifier({ db, now: () => Math.round(s.time() * 1000) });
  verifiers.push(v);
  return v;
}
async function connect(port: string, opts: Parameters<typeof TokenClient.connect>[1] = {}): Promise<TokenClient> {
  const c = await TokenClient.connect(port, opts);
  clients.push(c);
  return c;
}
/**
 * The code on screen after a press, digits only. A press on a screen that is still lit only keeps it
 * on; the firmware redraws on its next 1 s tick, so the virtual clock moves 1 s when the press alone
 * did not show a code (the screen lit at power-up still says NOT PROVISIONED right after PROVISION).
 */
async function codeOnScreen(s: Simulator): Promise<string> {
  let lines = await s.press();
  if (!lines.some((l) => /^\d{3} \d{3}$/.test(l))) {
    await s.advance(1);
    lines = s.screen();
  }
  const line = lines.find((l) => /^\d{3} \d{3}$/.test(l));
  if (!line) throw new Error(`no code on screen: ${JSON.stringify(lines)}`);
  return line.replace(' ', '');
}
/**
 * Moves the virtual clock to 5 s into the token's next 30 s step. A code on a lit screen was drawn
 * at the last 1 s tick, one on a dark screen at the press, so two codes read a plain 30 s apart can
 * be two steps apart when the start time (the host's) puts them near a step's edge.
 */
async function nextStep(s: Simulator): Promise<void> {
  await s.advance(35 - (s.time() % 30));
}
async function stateOf(v: Verifier, serial: string): Promise<string | undefined> {
  try {
    return (await v.token(serial)).state;
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntity') return undefined;
    throw e;
  }
}

describe('provisioning through the simulator', () => {
  it('the whole path: provision (CLI), registry entry, press, enable with two screen codes, sign in, replay refused', async () => {
    const s = await sim();
    const run = await cli(['provision', '--port', s.port, '--db', db, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim()) as { serial: string; kcv: string };
    expect(Object.keys(out).sort()).toEqual(['kcv', 'serial']);
    expect(validateSerialCheck(out.serial)).toBe(true);

    const v = await registry(s);
    const entry = await v.token(out.serial);
    expect(entry).toMatchObject({ serial: out.serial, state: 'unassigned', kcv: out.kcv, algorithm: 'SHA1', digits: 6, period: 30, origin: 'provisioned' });
    expect(JSON.stringify(entry)).not.toMatch(/secret|seed/i);

    await nextStep(s);
    const code1 = await codeOnScreen(s);
    // The code on the token is the one the registry's seed gives at the token's time.
    const [exported] = await v.exportTokens([out.serial]);
    expect(code1).toBe(totp(nobleHmac, exported!.secret, Math.floor(s.time()), { algorithm: 'SHA1', digits: 6, period: 30 }));
    await nextStep(s);
    const code2 = await codeOnScreen(s);
    expect(code2).not.toBe(code1);
    const enabled = await v.enable('alice', 'desk token', out.serial, code1, code2);
    expect(enabled.serial).toBe(out.serial);

    await nextStep(s);
    const code3 = await codeOnScreen(s);
    await expect(v.check('alice', code3)).resolves.toMatchObject({ ok: true, serial: out.serial });
    const replay = await refusal(v.check('alice', code3));
    expect(replay.name).toBe('InvalidAuthenticationCode');
  });

  it('info, settime and wipe through the CLI, with the button pressed when asked', async () => {
    const s = await sim();
    const info0 = await cli(['info', '--port', s.port, '--json']);
    expect(info0.code).toBe(0);
    expect(JSON.parse(info0.stdout)).toMatchObject({ state: 'blank', board: 'pico', proto: 1, clockSet: false });

    // A blank token takes the time at once: no press asked.
    const blankSet = await cli(['settime', '--port', s.port]);
    expect(blankSet.code).toBe(0);
    expect(blankSet.stdout).not.toMatch(/press the button/);
    expect(blankSet.stdout).toMatch(/clock set to .* \(it was not set\)/);
    expect(JSON.parse((await cli(['info', '--port', s.port, '--json'])).stdout).clockSet).toBe(true);

    const v = await registry(s);
    const c = await connect(s.port);
    const r = await provisionToken(v, c, {});
    await c.close();

    const text = await cli(['info', '--port', s.port]);
    expect(text.stdout).toMatch(new RegExp(`state +provisioned[\\s\\S]*serial +${r.serial}[\\s\\S]*SHA1, 6 digits, 30 s`));

    // settime on a provisioned token waits for the press and says so.
    await s.advance(120);
    const prompts: string[] = [];
    const set = await cli(['settime', '--port', s.port], {}, (line) => {
      if (/press the button/.test(line)) {
        prompts.push(line);
        void s.press();
      }
    });
    expect(set.code).toBe(0);
    expect(prompts).toHaveLength(1);
    // The virtual clock stood still while real time ran on during the CLI runs, so a little under 120 s.
    const off = Number(/clock set to \S+ \(it was \+(\d+) s off\)/.exec(set.stdout)?.[1]);
    expect(off).toBeGreaterThan(100);
    expect(off).toBeLessThanOrEqual(121);
    expect(Math.abs(s.time() - Date.now() / 1000)).toBeLessThan(5);

    // A hold refuses the wipe: nothing changes.
    const denied = await cli(['wipe', '--port', s.port], {}, (line) => { if (/press the button/.test(line)) void s.hold(2.5); });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/held to refuse.*nothing changed/);
    const still = await cli(['info', '--port', s.port, '--json']);
    expect(JSON.parse(still.stdout).state).toBe('provisioned');

    const wiped = await cli(['wipe', '--port', s.port], {}, (line) => { if (/press the button/.test(line)) void s.press(); });
    expect(wiped.code).toBe(0);
    expect(wiped.stdout).toContain(`token ${r.serial} wiped`);
    const after = await cli(['info', '--port', s.port, '--json']);
    expect(JSON.parse(after.stdout).state).toBe('blank');
  });

  it('refuses a token that is not blank, naming its serial; refuses ports that are missing or busy', async () => {
    const s = await sim();
    const v = await registry(s);
    const c = await connect(s.port);
    const first = await provisionToken(v, c, {});
    // The port is still held by `c`: a second program is refused, not interleaved.
    const busy = await cli(['provision', '--port', s.port, '--db', db]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/PortBusy: serial port .* is busy/);
    await c.close();

    const again = await cli(['provision', '--port', s.port, '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`TokenNotBlank: the token on ${s.port} is not blank: it is provisioned as ${first.serial}`);

    const missing = await cli(['provision', '--port', join(dir, 'no-such-tty'), '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/PortNotFound: serial port .*no-such-tty does not exist/);
    expect((await v.list()).map((t) => t.serial)).toEqual([first.serial]);
  });

  it('a mistyped serial is caught by its check character before the port is opened', async () => {
    const s = await sim();
    const bad = await cli(['provision', '--port', s.port, '--db', db, '--serial', 'HWT000000014']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HWT000000014 fails its check character/);
  });
});

describe('cable pulled at each protocol step of provisioning', () => {
  /** After a cut: the serial is pending or absent, never ready; enable with the real codes is refused. */
  async function consistent(v: Verifier, serial: string | undefined): Promise<void> {
    const entries = await v.list();
    for (const e of entries) expect(e.state).toBe('pending');
    if (serial && (await stateOf(v, serial)) === 'pending') {
      await expect(v.enable('mallory', 'x', serial, '000000', '111111')).rejects.toMatchObject({ name: 'NoSuchEntity' });
    }
  }

  it('before the HELLO reply: a clear error, nothing recorded; the re-run provisions', async () => {
    const s = await sim();
    const v = await registry(s);
    const cut = cutAt('HELLO', 'reply-lost', () => s.unplug());
    const t0 = Date.now();
    const e = await refusal(TokenClient.connect(s.port, { open: cut.open, timeoutMs: 10000 }));
    expect(cut.fired()).toBe(true);
    expect(e.name).toBe('TokenDisconnected');
    expect(e.message).toMatch(/disconnected while waiting for the reply to HELLO/);
    expect(Date.now() - t0).toBeLessThan(4000); // well under the 10 s timeout: the cut was noticed, not waited out
    expect(await v.list()).toEqual([]);
    await s.replug();
    const r = await provisionToken(v, await connect(s.port), {});
    expect(await stateOf(v, r.serial)).toBe('unassigned');
  });

  it('before PROVISION reaches the token: pending, token blank; the re-run resumes with a new seed', async () => {
    const s = await sim();
    const v = await registry(s);
    const cut = cutAt('PROVISION', 'before-send', () => s.unplug());
    const c = await connect(s.port, { open: cut.open });
    const e = await refusal(provisionToken(v, c, { serial: 'HWT-CUT-0001' }));
    expect(e.name).toBe('ProvisionInterrupted');
    expect(e.message).toMatch(/HWT-CUT-0001 as pending.*hwtotp provision --port .* --serial HWT-CUT-0001/);
    expect(await stateOf(v, 'HWT-CUT-0001')).toBe('pending');
    await consistent(v, 'HWT-CUT-0001');
    const kcvBefore = (await v.token('HWT-CUT-0001')).kcv;

    await s.replug();
    // Another token provisioned meanwhile: the CLI reminds the operator of the pending one.
    const other = await sim();
    const note = await cli(['provision', '--port', other.port, '--db', db]);
    expect(note.code).toBe(0);
    expect(note.stderr).toMatch(/note: 1 token\(s\) still pending from interrupted runs, unusable until resolved: HWT-CUT-0001/);
    const c2 = await connect(s.port);
    expect(c2.info.state).toBe('blank');
    const r = await provisionToken(v, c2, { serial: 'HWT-CUT-0001' });
    expect(r.outcome).toBe('resumed');
    expect(r.kcv).not.toBe(kcvBefore); // a fresh seed: the first may have crossed the wire
    expect(await stateOf(v, 'HWT-CUT-0001')).toBe('unassigned');
  });

  /** Re-run on a token that holds the pending seed: HELLO carries its KCV, which resolves it without a wipe. */
  async function rerunProvisioned(s: Simulator, v: Verifier, serial: string): Promise<void> {
    await s.replug();
    const c2 = await connect(s.port);
    expect(c2.info).toMatchObject({ state: 'provisioned', serial });
    expect(c2.info.kcv).toMatch(/^[0-9A-F]{6}$/);
    const r = await provisionToken(v, c2, {});
    expect(r).toMatchObject({ serial, outcome: 'resumed' });
    expect(await stateOf(v, serial)).toBe('unassigned');
  }

  it('PROVISION stored by the token but its reply lost: pending, never ready; the re-run resolves it', async () => {
    const s = await sim();
    const v = await registry(s);
    const cut = cutAt('PROVISION', 'reply-lost', () => s.unplug());
    const c = await connect(s.port, { open: cut.open });
    const e = await refusal(provisionToken(v, c, { serial: 'HWT-CUT-0002' }));
    expect(cut.fired()).toBe(true);
    expect(e.name).toBe('ProvisionInterrupted');
    expect(e.message).toMatch(/disconnected while waiting for the reply to PROVISION/);
    await consistent(v, 'HWT-CUT-0002');
    // The token shows real codes now, yet the registry will not enable them.
    await nextStep(s);
    const code1 = await codeOnScreen(s);
    await nextStep(s);
    const code2 = await codeOnScreen(s);
    await expect(v.enable('alice', 'x', 'HWT-CUT-0002', code1, code2)).rejects.toMatchObject({ name: 'NoSuchEntity' });
    await rerunProvisioned(s, v, 'HWT-CUT-0002');
  });

  it('after the PROVISION reply, before markReady (the host dies): pending; the re-run resolves it', async () => {
    const s = await sim();
    const v = await registry(s);
    const c = await connect(s.port);
    const crash = new Error('host died');
    const e = await refusal(provisionToken(v, c, {
      serial: 'HWT-CUT-0003',
      onStep: async (step) => {
        if (step === 'sent') {
          await s.unplug();
          throw crash;
        }
      },
    }));
    expect(e).toBe(crash);
    await consistent(v, 'HWT-CUT-0003');
    await rerunProvisioned(s, v, 'HWT-CUT-0003');
  });
});
