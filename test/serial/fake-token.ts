/**
 * A scripted fake token behind a REAL pseudo-terminal, for the client's failure cases that the
 * firmware cannot be made to produce (a v2 protocol, dropped replies, a pulled cable at a chosen byte).
 *
 * socat joins two ptys: the client opens `port` like a USB token; this helper opens the other end
 * with serialport and answers frames. `unplug()` kills socat, so the client's tty goes away exactly
 * as when a cable is pulled.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, encodeFrame, Frame, FrameDecoder, kcv, parseProvisionArgs } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import { openSerialTransport } from '@hwtotp/verifier';

/** What the handler returns: reply frames to send (id filled in), 'drop' to stay silent, or 'unplug'. */
export type FakeAction = { op: string; args?: Record<string, string>; id?: number; delayMs?: number; raw?: string }[] | 'drop' | 'unplug';

export interface FakeToken {
  /** The pty path the client opens. */
  port: string;
  /** Every frame the fake received, in order. */
  received: Frame[];
  /** The fake's token state. */
  state: { blank: boolean; serial?: string; alg?: string; digits?: number; period?: number; kcv?: string; time?: number };
  /** Pulls the cable: both pty ends vanish. */
  unplug(): Promise<void>;
  /** Stops everything (idempotent). */
  stop(): Promise<void>;
}

export interface FakeOptions {
  /** Overrides the default behaviour for a frame; return undefined to fall back to it. */
  handler?: (frame: Frame, fake: FakeToken) => FakeAction | undefined;
  /** HELLO's proto value. Default 1. */
  proto?: number;
  hashes?: string;
  /** Milliseconds of button "press" after a WAIT (default 100); null never presses. */
  pressAfterMs?: number | null;
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a fake token; resolves once its pty exists. */
export async function startFakeToken(options: FakeOptions = {}): Promise<FakeToken> {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-fake-'));
  const host = join(dir, 'token');
  const dev = join(dir, 'device-side');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${dev}`], { stdio: 'ignore' });
  let socatExited = false;
  socat.on('exit', () => { socatExited = true; });
  await waitFor(() => existsSync(host) && existsSync(dev), 5000, 'socat ptys');
  // The device side through the same hang-up-aware transport, so an unplug ends it cleanly too.
  const sp = await openSerialTransport(dev, { lock: false });
  const decoder = new FrameDecoder(crc32);
  const timers: NodeJS.Timeout[] = [];

  const send = (id: number, op: string, args: Record<string, string> = {}) => {
    if (sp.isOpen) sp.write(encodeFrame({ id, op, args }, crc32)).catch(() => undefined);
  };

  const fake: FakeToken = {
    port: host,
    received: [],
    state: { blank: true },
    async unplug() {
      if (!socatExited) {
        socat.kill('SIGKILL');
        await waitFor(() => socatExited, 5000, 'socat exit');
      }
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await sp.close();
      await fake.unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const defaults = (f: Frame): FakeAction => {
    const st = fake.state;
    switch (f.op) {
      case 'HELLO': {
        const a: Record<string, string> = {
          proto: String(options.proto ?? 1), fw: '0.0.0-fake', board: 'pico', state: st.blank ? 'blank' : 'provisioned',
          clock: st.time ? 'set' : 'unset', time: String(st.time ?? 0), hashes: options.hashes ?? 'SHA1,SHA256',
        };
        if (st.serial) a.serial = st.serial;
        if (!st.blank) Object.assign(a, { alg: st.alg, digits: String(st.digits), period: String(st.period), kcv: st.kcv });
        return [{ op: 'OK', args: a }];
      }
      case 'PING': return [{ op: 'OK' }];
      case 'PROVISION': {
        if (!st.blank) return [{ op: 'ERR', args: { code: 'WRONG_STATE', msg: 'token is provisioned' } }];
        const p = parseProvisionArgs(f.args);
        if (!p.value) return [{ op: 'ERR', args: { code: 'BAD_ARG', msg: p.error ?? '' } }];
        const v = p.value;
        if (!(options.hashes ?? 'SHA1,SHA256').split(',').includes(v.algorithm)) {
          return [{ op: 'ERR', args: { code: 'BAD_ARG', msg: `${v.algorithm} is not available on pico` } }];
        }
        Object.assign(st, { blank: false, serial: v.serial, alg: v.algorithm, digits: v.digits, period: v.period, time: v.time, kcv: kcv(nobleHmac, v.algorithm, v.secret) });
        return [{ op: 'OK', args: { kcv: st.kcv as string, serial: v.serial } }];
      }
      case 'SETTIME':
      case 'WIPE': {
        const done: Record<string, string> = f.op === 'WIPE' ? { state: 'blank' } : { time: f.args.time ?? '' };
        const apply = () => { if (f.op === 'WIPE') fake.state = { blank: true }; else st.time = Number(f.args.time); };
        if (f.op === 'SETTIME' && st.blank) { apply(); return [{ op: 'OK', args: done }]; }
        if (options.pressAfterMs === null) return [{ op: 'WAIT', args: { reason: 'presence', timeout: '10' } }];
        const press = options.pressAfterMs ?? 100;
        timers.push(setTimeout(apply, press));
        return [{ op: 'WAIT', args: { reason: 'presence', timeout: '10' } }, { op: 'OK', args: done, delayMs: press }];
      }
      default: return [{ op: 'ERR', args: { code: 'UNKNOWN_OP', msg: f.op } }];
    }
  };

  sp.onData((chunk) => {
    for (const r of decoder.push(chunk)) {
      if (!r.frame) { send(0, 'ERR', { code: r.error ?? 'BAD_FRAME', msg: r.message ?? '' }); continue; }
      const f = r.frame;
      fake.received.push(f);
      const action = options.handler?.(f, fake) ?? defaults(f);
      if (action === 'drop') continue;
      if (action === 'unplug') { void fake.unplug(); continue; }
      for (const a of action) {
        const go = () => (a.raw !== undefined ? void sp.write(a.raw).catch(() => undefined) : send(a.id ?? f.id, a.op, a.args ?? {}));
        if (a.delayMs) timers.push(setTimeout(go, a.delayMs));
        else go();
      }
    }
  });
  return fake;
}
