/**
 * Soak: one simulated token (the real pico firmware bundle, virtual clock, drifting oscillator,
 * flash in a state file) under a long random stream, for HWTOTP_SOAK_SECONDS (default 90), replayable
 * from the printed HWTOTP_SOAK_SEED. The stream mixes, over the token's pty:
 * - requests through the verifier's serial client (verifier/src/serial TokenClient): HELLO, PING, and
 *   refused ones (PROVISION when provisioned, bad SETTIME times, unknown ops, HELLO proto=2);
 * - WIPE and SETTIME answered by a press, a hold or no press, with a raw PING probing BUSY meanwhile;
 * - batches of malformed bytes (random bytes, mutated frames, wrong CRCs, overlong lines, id 0, frames
 *   run together), each reply predicted by the reference FrameDecoder and checked one by one;
 * - the virtual clock moved by seconds, hours and days (many simulated days in all), button presses,
 *   power cycles from the state file (first half only, so the second half is one long token life),
 *   and now and then a confirmed WIPE and a fresh seed.
 * Throughout: every code on screen is otpauth's for the token's time (oathtool's too, sampled), the
 * flash (state file, Storage writes) and HELLO change only on WIPE/PROVISION, the firmware raises
 * no error, and every line the token writes is a frame. At the end the token still answers and the
 * heap of this process after a GC has not grown (when global.gc exists, else the log says skipped).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { afterAll, expect, it } from 'vitest';
import { crc32, encodeValue, Frame, FrameDecoder, hex8, MAX_TIME, MIN_TIME } from '@hwtotp/protocol';
import { startSimulator, type Simulator } from '@hwtotp/tools/sim';
import { openSerialTransport, SerialError, TokenClient, type Transport, type TransportOpener, type WaitInfo } from '@hwtotp/verifier';
import { picoBundle } from '../serial/sim-helper.ts';
import { bundle as simDistBundle, codeOnScreen, expectedKcv } from '../sim/helpers.ts';
import { mulberry32 } from '../helpers/prng.ts';
import { refusal } from '../helpers/refusal.ts';
import { HeapWatch, MB, soakSeconds, soakSeed, soakTimeoutMs } from './soak-env.ts';

/** Heap growth allowed between the warm baseline and the end, after a GC. */
const HEAP_BUDGET = 8 * MB;
/** Presence prompt length (PROTOCOL.md §8) and the screen's time lit after a press (device/src/core/token.ts). */
const PRESENCE_S = 10;
const LIT_S = 15;
/** Ids the soak sends raw (sentinels, BUSY probes), far above the client's, which start at 1. */
const RAW_ID0 = 90_000_000;

interface Params { serial: string; secretHex: string; alg: 'SHA1' | 'SHA256'; digits: number; period: number; t0: number }
interface Expected { id: number; op: string; code?: string }

/** Every line the token writes, decoded; frames are kept only while `collecting`. */
class Tap {
  private decoder = new FrameDecoder(crc32);
  collecting = false;
  frames: Frame[] = [];
  lines = 0;
  notFrames: string[] = [];
  /** The last bytes received, for failure messages. */
  tail = '';
  private wake: (() => void) | undefined;

  push(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-1500);
    for (const r of this.decoder.push(chunk)) {
      this.lines++;
      if (!r.frame) {
        if (this.notFrames.length < 5) this.notFrames.push(`${r.error}: ${r.message}`);
        continue;
      }
      if (this.collecting) this.frames.push(r.frame);
    }
    this.wake?.();
  }

  start(): void {
    this.frames = [];
    this.collecting = true;
  }

  /** Resolves once `pred` holds over the collected frames, or rejects after ms of wall time. */
  async until(pred: (frames: Frame[]) => boolean, ms: number, what: string): Promise<void> {
    const end = performance.now() + ms;
    while (!pred(this.frames)) {
      const left = end - performance.now();
      if (left <= 0) throw new Error(`the token did not answer ${what} within ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.wake = () => (clearTimeout(t), r());
      });
      this.wake = undefined;
    }
  }

  stop(): Frame[] {
    this.collecting = false;
    const f = this.frames;
    this.frames = [];
    return f;
  }
}

/** The code the token must show at token time t: RFC 6238 through otpauth's HOTP, counter (t - T0) / X. */
function oracle(p: Params, t: number): string {
  const key = Buffer.from(p.secretHex, 'hex');
  const hotp = new OTPAuth.HOTP({ secret: new OTPAuth.Secret({ buffer: key.buffer.slice(key.byteOffset, key.byteOffset + key.length) }), algorithm: p.alg, digits: p.digits });
  return hotp.generate({ counter: Math.floor((Math.floor(t) - p.t0) / p.period) });
}

/** Whether oathtool is installed (npm test installs it; npm run test:soak does not). */
function hasOathtool(): boolean {
  try {
    execFileSync('oathtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The same code from oathtool, a second implementation in another language. */
function oathtool(p: Params, t: number): string {
  return execFileSync('oathtool', [`--totp=${p.alg}`, `--digits=${p.digits}`, `--time-step-size=${p.period}s`, `--start-time=@${p.t0}`, `--now=@${Math.floor(t)}`, p.secretHex], { encoding: 'utf8' }).trim();
}

const V1_OPS = ['HELLO', 'PROVISION', 'SETTIME', 'WIPE', 'PING'];

/**
 * The replies a provisioned, idle token owes for these bytes (PROTOCOL.md §4 and §7, order of rules),
 * from the reference decoder; undefined when the bytes hold a well-formed SETTIME or WIPE, which would
 * start a presence wait and make every later request BUSY.
 */
function predict(bytes: string): Expected[] | undefined {
  const out: Expected[] = [];
  const d = new FrameDecoder(crc32);
  for (const r of d.push(bytes)) {
    const f = r.frame;
    if (!f) out.push({ id: r.id, op: 'ERR', code: r.error });
    else if (f.id === 0) out.push({ id: 0, op: 'ERR', code: 'BAD_FRAME' });
    else if (!V1_OPS.includes(f.op)) out.push({ id: f.id, op: 'ERR', code: 'UNKNOWN_OP' });
    else if (f.op === 'SETTIME' || f.op === 'WIPE') return undefined;
    else if (f.op === 'PROVISION') out.push({ id: f.id, op: 'ERR', code: 'WRONG_STATE' });
    else if (f.op === 'HELLO' && f.args.proto !== undefined && f.args.proto !== '1') out.push({ id: f.id, op: 'ERR', code: 'BAD_ARG' });
    else out.push({ id: f.id, op: 'OK' });
  }
  if (d.pending() !== 0) throw new Error('a garbage batch must end on a line end');
  return out;
}

const dirs: string[] = [];
let sim: Simulator | undefined;
let client: TokenClient | undefined;
afterAll(async () => {
  await client?.close();
  await sim?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('a simulated token stays correct and bounded under a long mixed stream', async () => {
  const seconds = soakSeconds();
  const seed = soakSeed();
  console.log(`token soak: seed ${seed} (replay: HWTOTP_SOAK_SEED=${seed}), ${seconds} s`);
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const chance = (p: number) => rnd() < p;

  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-soak-token-'));
  dirs.push(dir);
  const state = join(dir, 'state.json');
  // HWTOTP_SIM_DIST points at another build (as for test/sim), e.g. a deliberately broken one
  const bundle = process.env.HWTOTP_SIM_DIST ? simDistBundle('pico') : await picoBundle();
  const withOathtool = hasOathtool();
  if (!withOathtool) console.log('token soak: oathtool is not installed, so codes are checked against otpauth only (apt-get install oathtool for the second oracle)');
  // A token's crystal is off by tens of ppm; a cheap one by a few hundred.
  const driftPpm = Math.round((rnd() * 2 - 1) * 300);

  let raw: Transport | undefined;
  let tap = new Tap();
  const opener: TransportOpener = async (path, options) => {
    const t = await openSerialTransport(path, options);
    raw = t;
    const mine = tap;
    t.onData((chunk) => mine.push(chunk));
    return t;
  };
  const power = async () => {
    expect(tap.notFrames).toEqual([]);
    tap = new Tap();
    sim = await startSimulator({ bundle, clock: 'virtual', state, driftPpm });
    client = await TokenClient.connect(sim.port, { open: opener, firstId: 1, timeoutMs: 5000 });
  };
  await power();
  const S = () => sim as Simulator;
  const C = () => client as TokenClient;
  const rawWrite = (s: string) => (raw as Transport).write(s);

  const stats = {
    actions: 0, presses: 0, oathtool: 0, requests: 0, refusedRequests: 0, batches: 0, garbageBytes: 0, garbageReplies: 0,
    presence: { confirmed: 0, denied: 0, timedOut: 0, busy: 0 }, advances: 0, powerCycles: 0, reprovisions: 0, frames: 0,
  };
  // Simulated time across power cycles (a restarted token's virtual clock starts from the host's again).
  let lifeStart = S().hostTime();
  let simulatedBefore = 0;
  let rawId = RAW_ID0;
  /** The last few things done, for the failure message. */
  const trail: string[] = [];
  const note = (what: string) => {
    trail.push(`${stats.actions}: ${what} @${S().time().toFixed(3)}`);
    if (trail.length > 25) trail.shift();
  };

  // ---- provisioning and the state that must not change ------------------------------------------
  let p: Params;
  let helloBase: { [k: string]: string } = {};
  let flash = '';
  let storageOps = 0;
  let serialNo = 0;

  const hello = async () => {
    const r = await C().request('HELLO', { proto: '1' });
    stats.requests++;
    expect(r.args.time).toBe(String(Math.floor(S().time())));
    return r.args;
  };
  const withoutTime = (a: { [k: string]: string }) => ({ ...a, time: '' });

  const provision = async () => {
    const hashes = (await hello()).hashes!.split(',').filter((h): h is Params['alg'] => h === 'SHA1' || h === 'SHA256');
    const time = Math.floor(S().hostTime());
    const secret = Buffer.alloc(16 + int(49));
    for (let i = 0; i < secret.length; i++) secret[i] = int(256);
    p = {
      serial: `HWT-SOAK-${String(++serialNo).padStart(6, '0')}`, secretHex: secret.toString('hex'), alg: pick(hashes),
      digits: 6 + int(3), period: pick([30, 30, 30, 60, 15, 20, 45]), t0: chance(0.7) ? 0 : int(time),
    };
    const out = await C().provision({ serial: p.serial, secret: Buffer.from(p.secretHex, 'hex'), algorithm: p.alg, digits: p.digits, period: p.period, t0: p.t0, time });
    expect(out).toEqual({ kcv: expectedKcv(p.secretHex, p.alg), serial: p.serial });
    helloBase = withoutTime(await hello());
    expect(helloBase).toMatchObject({ state: 'provisioned', serial: p.serial, alg: p.alg, digits: String(p.digits), period: String(p.period), t0: String(p.t0), clock: 'set' });
    flash = readFileSync(state, 'utf8');
    storageOps = S().storageOps();
  };
  await provision();

  /** Flash, Storage writes, HELLO and the firmware's error list are as they were. */
  const unchanged = async () => {
    expect(S().errors).toEqual([]);
    expect(readFileSync(state, 'utf8')).toBe(flash);
    expect(S().storageOps()).toBe(storageOps);
    expect(withoutTime(await hello())).toEqual(helloBase);
    expect(tap.notFrames).toEqual([]);
  };

  // ---- actions ------------------------------------------------------------------------------------

  /** A press away from a step's edge; the screen must show the oracle's code and the seconds left. */
  const press = async () => {
    const into = (S().time() - p.t0) % p.period;
    // A lit screen shows what it drew at its last whole-second tick, up to a second ago.
    if (into < 2 || into > p.period - 2) await S().advance(p.period - into + 2 + rnd() * (p.period - 4));
    const lines = await S().press();
    const t = S().time();
    stats.presses++;
    note(`press → ${JSON.stringify(lines)}`);
    expect(codeOnScreen(lines), `screen ${JSON.stringify(lines)} at token time ${t}`).toBe(oracle(p, t));
    if (withOathtool && stats.presses % 40 === 1) {
      expect(codeOnScreen(lines)).toBe(oathtool(p, t));
      stats.oathtool++;
    }
    const left = p.period - Math.floor((Math.floor(t) - p.t0) % p.period);
    expect([`${left}s`, `${left + 1}s`]).toContain(lines[1]);
  };

  const advance = async () => {
    const r = rnd();
    let s: number;
    if (r < 0.6) s = rnd() * 20;
    else if (r < 0.9) s = 60 + rnd() * 6 * 3600;
    else s = 43_200 + rnd() * 2.5 * 86400;
    // keep the token's clock well inside the protocol's range
    if (S().time() + s > MAX_TIME - 10 * 86400) s = rnd() * 20;
    await S().advance(s);
    stats.advances++;
    note(`advance ${s.toFixed(3)} s`);
    if (s > LIT_S + 2) expect(S().screen()).toEqual([]); // the screen went dark
  };

  const REFUSED: [string, { [k: string]: string }, string][] = [
    ['PROVISION', { serial: 'HWT-OTHER-000001', secret: '00'.repeat(20), alg: 'SHA1', digits: '6', period: '30', time: '1800000000' }, 'WRONG_STATE'],
    ['PROVISION', { serial: 'x' }, 'WRONG_STATE'],
    ['SETTIME', { time: '17643701' }, 'BAD_ARG'],
    ['SETTIME', { time: String(MAX_TIME + 1) }, 'BAD_ARG'],
    ['SETTIME', { time: '1.8e9' }, 'BAD_ARG'],
    ['SETTIME', { time: '' }, 'BAD_ARG'],
    ['SETTIME', {}, 'BAD_ARG'],
    ['HELLO', { proto: '2' }, 'BAD_ARG'],
    ['HELLO', { proto: '' }, 'BAD_ARG'],
    ['READ', { what: 'seed' }, 'UNKNOWN_OP'],
    ['OK', {}, 'UNKNOWN_OP'],
    ['ERR', { code: 'BUSY' }, 'UNKNOWN_OP'],
    ['WAIT', { reason: 'presence', timeout: '10' }, 'UNKNOWN_OP'],
    ['PROVISIONX', {}, 'UNKNOWN_OP'],
  ];

  const request = async () => {
    const r = rnd();
    if (r < 0.25) {
      expect(withoutTime(await hello())).toEqual(helloBase);
    } else if (r < 0.4) {
      const info = await C().hello();
      stats.requests++;
      expect(info).toMatchObject({ state: 'provisioned', serial: p.serial, digits: p.digits, period: p.period, t0: p.t0 });
    } else if (r < 0.55) {
      await C().ping();
      stats.requests++;
    } else if (r < 0.65) {
      // unknown keys are ignored; any byte travels escaped
      const reply = await C().request(pick(['PING', 'HELLO']), { x: String(int(1e9)), msg: 'a b*c!d\u00e9%\u0001' });
      stats.requests++;
      expect(reply.op).toBe('OK');
    } else {
      const [op, args, code] = pick(REFUSED);
      note(`${op} ${JSON.stringify(args)}, refused ${code}?`);
      const e = await refusal(C().request(op, args), SerialError);
      stats.requests++;
      stats.refusedRequests++;
      expect([e.name, e.wireCode]).toEqual(['TokenError', code]);
    }
  };

  /** A frame built by hand (the soak's raw ids, and ops and keys encodeFrame would refuse). */
  const frame = (body: string) => `!${body}*${hex8(crc32(body))}\n`;

  /**
   * Sends a request that must wait for a press; resolves once the WAIT came, with the final reply to
   * come (wrapped: an async function returning a promise would wait for it).
   */
  const ask = async (op: 'WIPE' | 'SETTIME', args: { [k: string]: string }) => {
    let sawWait!: (w: WaitInfo) => void;
    const waited = new Promise<WaitInfo>((r) => (sawWait = r));
    const reply = C().request(op, args, { onWait: (w) => sawWait(w) }).then((f) => f, (e: unknown) => e as Error);
    stats.requests++;
    const first = await Promise.race([waited, reply.then(() => undefined)]);
    if (!first) {
      const r = await reply;
      throw new Error(`${op} was answered without a presence wait: ${r instanceof Error ? r.message : JSON.stringify(r)}`);
    }
    expect(first).toEqual({ reason: 'presence', timeout: PRESENCE_S, op });
    const prompt = S().screen();
    expect(prompt.slice(0, 2)).toEqual(['PRESS TO CONFIRM', op === 'WIPE' ? 'WIPE' : 'SET TIME']);
    expect(prompt[2]).toMatch(/^\d+s$/);
    return { reply };
  };

  const presence = async () => {
    const op = pick(['WIPE', 'SETTIME'] as const);
    const how = pick(['press', 'hold', 'none'] as const);
    // WIPE is never confirmed here: that is reprovision()
    const act = op === 'WIPE' && how === 'press' ? 'hold' : how;
    const target = Math.max(MIN_TIME, Math.min(MAX_TIME - 86400, Math.floor(S().hostTime() + (chance(0.5) ? 0 : (rnd() * 2 - 1) * 86400))));
    const hostAtRequest = S().hostTime();
    note(`${op} ${op === 'SETTIME' ? target : ''}, then ${act}`);
    const { reply } = await ask(op, op === 'SETTIME' ? { time: String(target) } : {});
    if (chance(0.5)) {
      // another request meanwhile is refused BUSY, with its own id; the waiting one is unaffected
      const id = ++rawId;
      tap.start();
      await rawWrite(frame(`${id} ${pick(['PING', 'HELLO proto=1', 'PROVISION'])}`));
      await tap.until((fs) => fs.some((f) => f.id === id), 5000, 'a request during a presence wait');
      const busy = tap.stop().filter((f) => f.id === id);
      expect(busy.map((f) => [f.op, f.args.code])).toEqual([['ERR', 'BUSY']]);
      stats.presence.busy++;
    }
    // the person reaches for the button (before + a 2 s hold stays inside the 10 s, drift included)
    if (act !== 'none') await S().advance(rnd() * (PRESENCE_S - 2.2));
    note(`prompt ${JSON.stringify(S().screen())}`);
    if (act === 'press') {
      await (chance(0.5) ? S().press() : S().hold(rnd() * 1.9)); // a short press: under 2 s
    } else if (act === 'hold') await S().hold(2.1 + rnd() * 3);
    else await S().advance(PRESENCE_S + 0.1 + rnd() * 5);
    note(`after ${act}: ${JSON.stringify(S().screen())}`);
    const r = await reply;
    if (act === 'press') {
      expect(r).not.toBeInstanceOf(Error);
      // the token sets the time asked plus the time it waited for the press, on its own oscillator
      const set = target + (S().hostTime() - hostAtRequest) * (1 + driftPpm / 1e6);
      expect(Math.abs(S().time() - set)).toBeLessThan(1e-3);
      expect((r as Frame).args).toEqual({ time: String(Math.floor(S().time())) });
      stats.presence.confirmed++;
    } else {
      expect(r).toBeInstanceOf(SerialError);
      const code = act === 'hold' ? 'PRESENCE_DENIED' : 'PRESENCE_REQUIRED';
      expect([(r as SerialError).name, (r as SerialError).wireCode]).toEqual(['TokenError', code]);
      if (act === 'hold') stats.presence.denied++;
      else stats.presence.timedOut++;
    }
    // the prompt is gone: the screen shows a code again
    expect(codeOnScreen(S().screen())).toBeDefined();
    await unchanged();
  };

  // Garbage: each generator returns bytes; a batch ends with a sentinel PING so the replies can be counted.
  const alphabet = (s: string, n: number) => {
    let o = '';
    for (let i = 0; i < n; i++) o += s[int(s.length)];
    return o;
  };
  const bytes = (n: number) => {
    let o = '';
    for (let i = 0; i < n; i++) o += String.fromCharCode(int(256));
    return o;
  };
  const OPS = ['HELLO', 'PROVISION', 'PING', 'OK', 'ERR', 'WAIT', 'READ', 'X', 'hello', 'Ping', 'SETTIME', 'WIPE', ''];
  const KEYS = ['proto', 'serial', 'secret', 'alg', 'digits', 'period', 't0', 'time', 'x', 'Key', '', 'proto'];
  const value = () => pick([
    () => String(int(2 ** 32)), () => alphabet('0123456789abcdefABCDEF', int(40)), () => bytes(int(20)),
    () => pick(['1', '2', 'SHA1', 'SHA512', '-1', '1e9', '00', '%', '%4', '%41', '%zz']),
  ])();
  const crcFrame = () => {
    let body = `${pick([0, 1 + int(99_999_999), int(10), RAW_ID0 - 1])} ${pick(OPS)}`;
    for (let i = int(6); i > 0; i--) {
      const v = value();
      body += ` ${pick(KEYS)}=${chance(0.8) ? encodeValue(v) : v}`;
    }
    if (chance(0.1)) body += pick([' ', '  x=1', '\t']);
    return `!${body}*${hex8(crc32(body))}`;
  };
  const mutate = (f: string) => {
    const i = int(f.length + 1);
    switch (int(7)) {
      case 0: return f.slice(0, i) + String.fromCharCode(int(256)) + f.slice(i + 1);
      case 1: return f.slice(0, i) + f.slice(i + 1);
      case 2: return f.slice(0, i) + String.fromCharCode(int(256)) + f.slice(i);
      case 3: return f.slice(0, i);
      case 4: return f + f;
      case 5: return f.slice(0, i) + f.slice(i).toLowerCase();
      default: return f.replace(/\*[0-9A-F]{8}$/, '*' + alphabet('0123456789ABCDEF', 8));
    }
  };
  const GARBAGE = [
    () => crcFrame() + '\n',
    () => mutate(crcFrame()) + pick(['\n', '\r', '\r\n', '']),
    () => bytes(int(120)),
    () => '!' + alphabet(' =*!%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef', int(140)),
    () => alphabet('AB!', 1) + alphabet('A', 480 + int(700)) + pick(['\n', '', '!']), // around and over 512 bytes
    () => alphabet('\r\n \t', 1 + int(6)),
    () => frame(`0 ${pick(['PING', 'HELLO'])}`),
    () => '!!!' + crcFrame() + '\r',
  ];

  const garbage = async () => {
    let batch = '';
    let expected: Expected[] | undefined;
    const id = ++rawId;
    for (let tries = 0; tries < 20 && !expected; tries++) {
      batch = '';
      for (let k = 1 + int(25); k > 0; k--) batch += pick(GARBAGE)();
      batch += '\n' + frame(`${id} PING`);
      expected = predict(batch);
    }
    if (!expected) {
      batch = frame(`${id} PING`);
      expected = predict(batch)!;
    }
    const want = expected;
    note(`garbage ${batch.length} bytes, ${want.length} replies due`);
    tap.start();
    // written in random pieces, as a link delivers them
    for (let i = 0; i < batch.length;) {
      const n = 1 + int(600);
      await rawWrite(batch.slice(i, i + n));
      i += n;
    }
    await tap.until((fs) => fs.length >= want.length, 10_000, `a batch of ${batch.length} malformed bytes`);
    const got = tap.stop();
    expect(got.map((f) => ({ id: f.id, op: f.op, ...(f.op === 'ERR' ? { code: f.args.code } : {}) })), `replies to ${JSON.stringify(batch.slice(0, 400))}`).toEqual(want);
    for (const f of got) if (f.op === 'OK' && f.args.proto !== undefined) expect(withoutTime(f.args)).toEqual(helloBase);
    stats.batches++;
    stats.garbageBytes += batch.length;
    stats.garbageReplies += got.length;
  };

  const powerCycle = async () => {
    simulatedBefore += S().hostTime() - lifeStart;
    await C().close();
    await S().stop();
    client = undefined;
    sim = undefined;
    await power();
    lifeStart = S().hostTime();
    stats.powerCycles++;
    note('power cycle');
    expect(S().storageOps()).toBe(0); // a boot reads its flash and writes nothing
    storageOps = 0;
    await unchanged();
    await press();
  };

  const reprovision = async () => {
    const { reply } = await ask('WIPE', {});
    await S().press();
    const r = await reply;
    expect(r).not.toBeInstanceOf(Error);
    expect((r as Frame).args).toEqual({ state: 'blank' });
    expect(readFileSync(state, 'utf8')).not.toContain(p.secretHex);
    const blank = await hello();
    expect(blank).toMatchObject({ state: 'blank', clock: 'set' });
    expect(blank.serial).toBeUndefined();
    expect(blank.kcv).toBeUndefined();
    expect(await S().press()).toEqual(['NOT PROVISIONED']);
    // a blank token still refuses what it cannot do
    const e = await refusal(C().request('PROVISION', { serial: 'HWT-SOAK-BAD', secret: '00'.repeat(64), alg: 'SHA512', digits: '8', period: '30', time: String(Math.floor(S().hostTime())) }), SerialError);
    expect(e.wireCode).toBe('BAD_ARG');
    await provision();
    stats.reprovisions++;
    await press();
  };

  const ACTIONS: [number, string, () => Promise<void>][] = [
    [20, 'press', press], [20, 'advance', advance], [25, 'request', request], [20, 'garbage', garbage],
    [12, 'presence', presence], [0.3, 'power cycle', powerCycle], [0.3, 'reprovision', reprovision],
  ];
  const total = ACTIONS.reduce((a, [w]) => a + w, 0);
  // Power cycles only in the first half: a restart frees the firmware's realm, so the second half is
  // one token life, long enough for a leak inside the firmware to show in the heap.
  let cyclesAllowed = true;
  const choose = () => {
    for (;;) {
      let x = rnd() * total;
      let chosen = ACTIONS[0]!;
      for (const a of ACTIONS) {
        if ((x -= a[0]) < 0) {
          chosen = a;
          break;
        }
      }
      if (cyclesAllowed || chosen[2] !== powerCycle) return chosen;
    }
  };

  // ---- the run ------------------------------------------------------------------------------------
  const heap = new HeapWatch();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const half = t0 + seconds * 500;
  let nextSample = t0 + seconds * 250; // the warm baseline
  let kind = '';
  try {
    while (performance.now() < deadline) {
      cyclesAllowed = performance.now() < half;
      const [, name, run] = choose();
      kind = name;
      stats.actions++;
      await run();
      expect(S().errors).toEqual([]);
      if (stats.actions % 50 === 0) await unchanged();
      const now = performance.now();
      if (now >= nextSample) {
        if (heap.baseline === undefined) heap.start();
        else heap.sample();
        nextSample = now + Math.max(2000, seconds * 50);
      }
    }
    kind = 'final checks';
    // afterwards: it still answers, says the same, shows the right code, and its flash is as provisioned
    await unchanged();
    await press();
    await C().ping();
  } catch (e) {
    if (e instanceof Error) e.message = `[token soak, seed ${seed}, action ${stats.actions} (${kind})] ${e.message}\nlast actions:\n  ${trail.join('\n  ')}\nlast bytes from the token: ${JSON.stringify(tap.tail)}`;
    throw e;
  }
  stats.frames = tap.lines;
  const days = (simulatedBefore + S().hostTime() - lifeStart) / 86400;
  const growth = heap.growth('token soak');
  console.log(`token soak: seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s, ${stats.actions} actions over ${days.toFixed(1)} simulated days (drift ${driftPpm} ppm): ` +
    `${stats.presses} codes checked against otpauth (${stats.oathtool} also against oathtool), ${stats.requests} requests (${stats.refusedRequests} refused as expected), ` +
    `${stats.batches} malformed batches (${stats.garbageBytes} bytes, ${stats.garbageReplies} replies each as predicted), ` +
    `presence ${JSON.stringify(stats.presence)}, ${stats.advances} clock moves, ${stats.powerCycles} power cycles, ${stats.reprovisions} wipes and new seeds, ` +
    `${stats.frames} lines from the token since the last power-up, every one a frame; ${heap.describe()}`);
  expect(stats.presses).toBeGreaterThan(0);
  expect(stats.batches).toBeGreaterThan(0);
  if (growth !== undefined) expect(growth, `heap grew ${(growth / MB).toFixed(1)} MB over the soak`).toBeLessThan(HEAP_BUDGET);
}, soakTimeoutMs());
