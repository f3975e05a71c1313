/**
 * Shared pieces of the simulator suites: a serial client that talks wire protocol v1 to the token
 * through the pty with `serialport` (as the verifier does), oathtool as the independent code oracle,
 * and the KCV computed with node:crypto rather than the protocol package.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { Frame, FrameDecoder, crc32, encodeFrame } from '@hwtotp/protocol';
import { defaultBundle } from '@hwtotp/tools/sim';
import type { BoardName, Simulator } from '@hwtotp/tools/sim';

/** The real bundle `npm run build` wrote (HWTOTP_SIM_DIST points elsewhere while developing the simulator). */
export function bundle(board: BoardName): string {
  return process.env.HWTOTP_SIM_DIST ? join(process.env.HWTOTP_SIM_DIST, `${board}.js`) : defaultBundle(board);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hwtotp-simtest-'));
}

/** A host-side connection to the token. */
export class TokenClient {
  /** Everything the token wrote, as latin1. */
  received = '';
  private decoder = new FrameDecoder(crc32);
  private waiters: { id: number; resolve: (f: Frame) => void; onWait?: (f: Frame) => void }[] = [];
  private nextId = 1;
  /** Replies to id 0 (undecodable input). */
  zeroReplies: Frame[] = [];

  private constructor(readonly port: SerialPort) {
    port.on('data', (d: Buffer) => {
      const s = d.toString('latin1');
      this.received += s;
      for (const r of this.decoder.push(s)) {
        const f = r.frame;
        if (!f) continue;
        if (f.id === 0) this.zeroReplies.push(f);
        const w = this.waiters.find((x) => x.id === f.id);
        if (!w) continue;
        if (f.op === 'WAIT') {
          w.onWait?.(f);
          continue;
        }
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(f);
      }
    });
  }

  static async open(path: string): Promise<TokenClient> {
    const port = new SerialPort({ path, baudRate: 115200 });
    await new Promise<void>((resolve, reject) => {
      port.once('open', () => resolve());
      port.once('error', reject);
    });
    return new TokenClient(port);
  }

  write(s: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(s, 'latin1'), (e) => (e ? reject(e) : this.port.drain(() => resolve())));
    });
  }

  /** Sends a request and resolves with the final reply (OK or ERR) for its id. */
  async request(op: string, args: { [k: string]: string } = {}, opts: { timeoutMs?: number; onWait?: (f: Frame) => void } = {}): Promise<Frame> {
    const id = this.nextId++;
    const reply = new Promise<Frame>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${op} (id ${id}) within ${opts.timeoutMs ?? 3000} ms`)), opts.timeoutMs ?? 3000);
      this.waiters.push({ id, onWait: opts.onWait, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
    await this.write(encodeFrame({ id, op, args }, crc32));
    return reply;
  }

  /** Closes the port (bounded: after a pulled cable serialport may never call back). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
    return Promise.race([closed, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }
}

/** The code oathtool computes for a hex key at a Unix time. */
export function oathtool(hexKey: string, time: number, opts: { algorithm?: string; digits?: number; period?: number } = {}): string {
  const mode = opts.algorithm && opts.algorithm !== 'SHA1' ? `--totp=${opts.algorithm.toLowerCase()}` : '--totp';
  return execFileSync('oathtool', [mode, `--digits=${opts.digits ?? 6}`, `--time-step-size=${opts.period ?? 30}s`, `--now=@${Math.floor(time)}`, hexKey], { encoding: 'utf8' }).trim();
}

/** KCV = first 3 bytes of HMAC(seed, "hwtotp-kcv-v1"), upper-case hex; computed here with node:crypto. */
export function expectedKcv(hexKey: string, algorithm = 'SHA1'): string {
  return createHmac(algorithm.toLowerCase(), Buffer.from(hexKey, 'hex')).update('hwtotp-kcv-v1').digest('hex').slice(0, 6).toUpperCase();
}

/** The code shown on screen ("123 456" → "123456"), or undefined if none. */
export function codeOnScreen(lines: string[]): string | undefined {
  const m = /^(\d{3,4}) (\d{3,4})$/.exec(lines[0] ?? '');
  return m ? m[1]! + m[2]! : undefined;
}

export const SEED_HEX = '3132333435363738393031323334353637383930';
export const SERIAL = 'HWT-SIM-000001';

/**
 * Lets a second and a half pass, as it does between a person provisioning a token and pressing its
 * button: the firmware redraws a lit screen on its next one-second tick, 5 ms past a whole second,
 * and a virtual clock only moves when told. A whole second would leave a token set to a whole time
 * still showing the code drawn a second ago, a step behind `sim.time()` when a step began between.
 */
export async function aMomentLater(sim: Simulator): Promise<void> {
  if (sim.clock === 'virtual') await sim.advance(1.5);
  else await new Promise((r) => setTimeout(r, 1100));
}

/** The end of a simulator test: the client closed first, then the simulator stopped (either may be absent). */
export async function stopSim(client: TokenClient | undefined, sim: Simulator | undefined): Promise<void> {
  await client?.close();
  await sim?.stop();
}
