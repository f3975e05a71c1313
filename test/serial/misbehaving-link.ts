/**
 * An in-process token that misbehaves, as a Transport the client opens (ClientOptions.open): for each
 * request it plays one scripted act (lie in its arguments, answer with the wrong id, send noise or
 * an endless line, stay silent, or close mid-frame), delivered whole, dribbled a byte at a time, or
 * cut into random pieces. In-process so that fast-check can run hundreds of cases in seconds; the
 * real-pty cases live beside it in client-fuzz.test.ts.
 */
import { crc32, decodeLine, encodeFrame, type Frame } from '@hwtotp/protocol';
import { SerialError, type Transport } from '@hwtotp/verifier';

/** Which id a reply carries, relative to the request's. */
export type IdLie = 'same' | 'next' | 'previous' | 'zero' | number;

/** One misbehaviour. */
export type Act =
  | { kind: 'reply'; id: IdLie; op: string; lie?: { key: string; value: string } }
  | { kind: 'noise'; bytes: string }
  | { kind: 'long'; length: number; newline: boolean }
  | { kind: 'closeMidFrame'; keep: number }
  | { kind: 'silence' };

/** How the bytes of an act arrive. */
export type Delivery = { mode: 'whole' } | { mode: 'dribble' } | { mode: 'pieces'; sizes: number[] };

/** What an honest token would answer to `f` (the arguments a lie then corrupts). */
function honestArgs(f: Frame): Record<string, string> {
  switch (f.op) {
    case 'HELLO': return { proto: '1', fw: '1.0.0', board: 'pico', state: 'blank', clock: 'unset', time: '0', hashes: 'SHA1,SHA256' };
    case 'PROVISION': return { kcv: 'ABCDEF', serial: f.args.serial ?? 'HWFUZZ0001' };
    case 'SETTIME': return { time: f.args.time ?? '0' };
    default: return {};
  }
}

function replyId(lie: IdLie, id: number): number {
  if (lie === 'same') return id;
  if (lie === 'next') return id >= 99999999 ? 1 : id + 1;
  if (lie === 'previous') return id <= 1 ? 99999999 : id - 1;
  if (lie === 'zero') return 0;
  return lie;
}

/**
 * A frame as a lying token writes it: the grammar and a valid CRC, but no length limit (a real
 * token's bug or an impostor can send 600 bytes where 512 are allowed; encodeFrame refuses to).
 */
function rawFrame(id: number, op: string, args: Record<string, string>): string {
  let body = `${id} ${op}`;
  for (const [k, v] of Object.entries(args)) {
    body += ` ${k}=` + [...v].map((c) => (/[A-Za-z0-9._:/+=@,-]/.test(c) ? c : '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'))).join('');
  }
  return '!' + body + '*' + (crc32(body) >>> 0).toString(16).toUpperCase().padStart(8, '0') + '\n';
}

/** The bytes of an act, and whether the link closes after them. */
function render(act: Act, f: Frame): { bytes: string; close: boolean } {
  switch (act.kind) {
    case 'reply': {
      const args = honestArgs(f);
      if (act.lie) args[act.lie.key] = act.lie.value;
      return { bytes: rawFrame(replyId(act.id, f.id), act.op, args), close: false };
    }
    case 'noise': return { bytes: act.bytes, close: false };
    case 'long': return { bytes: '!' + '7'.repeat(act.length) + (act.newline ? '\n' : ''), close: false };
    case 'closeMidFrame': {
      const full = encodeFrame({ id: f.id, op: 'OK', args: honestArgs(f) }, crc32);
      return { bytes: full.slice(0, Math.max(1, Math.floor(full.length * act.keep))), close: true };
    }
    case 'silence': return { bytes: '', close: false };
  }
}

/** A misbehaving token: `acts[i]` answers the i-th request (the last act repeats). */
export class MisbehavingLink implements Transport {
  readonly path = '/fake/misbehaving-token';
  isOpen = true;
  private dataListener?: (chunk: string) => void;
  private closeListener?: (error?: Error) => void;
  private timers: NodeJS.Timeout[] = [];
  private requests = 0;
  private partial = '';

  constructor(private readonly acts: Act[], private readonly delivery: Delivery) {}

  write(data: string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new SerialError('TokenDisconnected', `${this.path} is closed`, { port: this.path }));
    this.partial += data;
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) {
      const r = decodeLine(l.trim(), crc32);
      if (!r.frame) continue;
      const act = this.acts[Math.min(this.requests++, this.acts.length - 1)]!;
      const { bytes, close } = render(act, r.frame);
      this.deliver(bytes, close);
    }
    return Promise.resolve();
  }

  private deliver(bytes: string, close: boolean): void {
    const pieces: string[] = [];
    if (this.delivery.mode === 'whole') pieces.push(bytes);
    else if (this.delivery.mode === 'dribble') pieces.push(...bytes);
    else {
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const n = Math.max(1, this.delivery.sizes[i % Math.max(1, this.delivery.sizes.length)] ?? 1);
        pieces.push(bytes.slice(at, at + n));
        at += n;
      }
    }
    let delay = 0;
    for (const p of pieces) {
      delay += this.delivery.mode === 'whole' ? 0 : 1;
      this.later(delay, () => { if (this.isOpen) this.dataListener?.(p); });
    }
    if (close) this.later(delay + 1, () => this.hangUp());
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private hangUp(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closeListener?.(new SerialError('TokenDisconnected', `${this.path} went away`, { port: this.path }));
  }

  onData(listener: (chunk: string) => void): void { this.dataListener = listener; }
  onClose(listener: (error?: Error) => void): void { this.closeListener = listener; }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.isOpen) {
      this.isOpen = false;
      this.closeListener?.();
    }
  }
}
