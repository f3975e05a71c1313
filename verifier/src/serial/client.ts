/**
 * Client for wire protocol v1 (protocol/PROTOCOL.md): opens a port, makes the HELLO handshake,
 * and sends one request at a time, matching replies by id.
 *
 * - Each request has a timeout. A `WAIT reason=presence timeout=S` reply extends it by the token's
 *   own timeout and is surfaced through `onWait`, so a CLI can ask for the button press.
 * - Only idempotent requests (HELLO, PING) are retried, after a timeout or an undecodable reply.
 *   PROVISION, SETTIME and WIPE never are: a retry could act twice, or act on a state the first
 *   attempt already changed.
 * - Requests run one at a time, so an `ERR` with id 0 (the token could not decode our frame) belongs
 *   to the request in flight.
 * - If the port goes away, the request in flight is rejected at once with TokenDisconnected.
 */
import {
  crc32, decodeLine, DecodeResult, encodeFrame, Frame, MAX_FRAME, parseErrorReply, parseProvisionReply, parseWaitReply, PROTOCOL_VERSION,
  provisionRequestArgs, type ProvisionArgs, type ProvisionReply,
} from '@hwtotp/protocol';
import { SerialError } from './errors.ts';
import { HelloInfo, parseHelloArgs } from './hello.ts';
import { openSerialTransport } from './serialport-transport.ts';
import { Transport, TransportOpener } from './transport.ts';

/** Largest request id the wire allows; ids wrap back to 1 after it. */
export const MAX_ID = 99999999;

/** What a WAIT reply announced. */
export interface WaitInfo {
  /** Why the token waits ("presence": a button press). */
  reason: string;
  /** Seconds the token will wait. */
  timeout: number;
  /** The request waiting. */
  op: string;
}

/** Per-request options. */
export interface RequestOptions {
  /** Milliseconds to wait for a reply (or for the next reply after a WAIT). */
  timeoutMs?: number;
  /** Called on each WAIT reply. */
  onWait?: (info: WaitInfo) => void;
}

/** Client options. */
export interface ClientOptions {
  /** Baud rate for a UART (ignored by USB CDC). Default 115200. */
  baudRate?: number;
  /** Default reply timeout in ms. Default 2000. */
  timeoutMs?: number;
  /** Timeout for PROVISION, which writes flash. Default 10000. */
  provisionTimeoutMs?: number;
  /** Extra attempts for idempotent requests. Default 2. */
  retries?: number;
  /** The first request id (tests pin it). Default: random, so a stale reply from an earlier session rarely matches. */
  firstId?: number;
  /** How to open the port. Default: serialport. */
  open?: TransportOpener;
  /** Called on each WAIT reply of any request (per-request onWait takes precedence). */
  onWait?: (info: WaitInfo) => void;
}

const IDEMPOTENT = new Set(['HELLO', 'PING']);

/** Slack added to the token's announced presence timeout before the host gives up. */
const WAIT_SLACK_MS = 5000;

interface Pending {
  id: number;
  op: string;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  onWait?: (info: WaitInfo) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

/** A connected token. Create it with TokenClient.connect(). */
export class TokenClient {
  /** The HELLO reply from connect(), refreshed by hello(). */
  info!: HelloInfo;
  readonly path: string;
  private transport: Transport;
  /** Bytes of the line being received. */
  private line = '';
  private nextId: number;
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  private closedError?: SerialError;
  private options: ClientOptions;
  private flushed = false;

  private constructor(transport: Transport, options: ClientOptions) {
    this.transport = transport;
    this.path = transport.path;
    this.options = options;
    const first = options.firstId ?? 1 + Math.floor(Math.random() * (MAX_ID / 2));
    if (!Number.isInteger(first) || first < 1 || first > MAX_ID) throw new RangeError(`firstId must be from 1 to ${MAX_ID}, got ${first}`);
    this.nextId = first;
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((error) => this.closedUnderUs(error));
  }

  /**
   * Opens the port and makes the handshake.
   * @throws SerialError PortNotFound, PortBusy, PortError, TokenTimeout, TokenDisconnected, or
   *   ProtocolMismatch when the token speaks another protocol version (the port is closed again).
   */
  static async connect(path: string, options: ClientOptions = {}): Promise<TokenClient> {
    const open = options.open ?? openSerialTransport;
    const transport = await open(path, { baudRate: options.baudRate });
    const client = new TokenClient(transport, options);
    try {
      await client.hello();
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  /** Asks the token who it is; refuses another protocol version. */
  async hello(): Promise<HelloInfo> {
    let reply: Frame;
    try {
      reply = await this.request('HELLO', { proto: String(PROTOCOL_VERSION) });
    } catch (e) {
      if (e instanceof SerialError && e.name === 'TokenError' && e.wireCode === 'BAD_ARG' && /proto/i.test(e.message)) {
        throw new SerialError('ProtocolMismatch', `token on ${this.path} does not speak wire protocol v${PROTOCOL_VERSION}, the only version this verifier speaks (${e.message})`, { port: this.path, wireCode: e.wireCode });
      }
      throw e;
    }
    const proto = reply.args.proto;
    if (proto !== String(PROTOCOL_VERSION)) {
      throw new SerialError('ProtocolMismatch',
        `token on ${this.path} speaks wire protocol v${proto ?? '?'}, but this verifier speaks only v${PROTOCOL_VERSION}: update the verifier or reflash the token`,
        { port: this.path });
    }
    this.info = parseHelloArgs(reply.args, this.path);
    return this.info;
  }

  /** Checks the link. */
  async ping(): Promise<void> {
    await this.request('PING', {});
  }

  /**
   * Sends PROVISION. Never retried. Resolves with the token's reply arguments (kcv, serial).
   * @throws SerialError TokenError (with wireCode) when the token refuses.
   */
  async provision(args: ProvisionArgs, options: RequestOptions = {}): Promise<ProvisionReply> {
    const reply = await this.request('PROVISION', provisionRequestArgs(args), { timeoutMs: this.options.provisionTimeoutMs ?? 10000, ...options });
    const checked = parseProvisionReply(reply.args);
    if (!checked.value) throw new SerialError('BadReply', `token on ${this.path} sent a bad PROVISION reply: ${checked.error}`, { port: this.path });
    return checked.value;
  }

  /** Sets the token's clock. A provisioned token asks for a button press first (see onWait). */
  async setTime(time: number, options: RequestOptions = {}): Promise<number> {
    const reply = await this.request('SETTIME', { time: String(time) }, options);
    return reply.args.time !== undefined ? Number(reply.args.time) : time;
  }

  /** Wipes the token; it asks for a button press first (see onWait). */
  async wipe(options: RequestOptions = {}): Promise<void> {
    await this.request('WIPE', {}, options);
  }

  /**
   * Sends one request and resolves with its OK reply.
   * @throws SerialError TokenError for an ERR reply (wireCode set), TokenTimeout, TokenDisconnected,
   *   BadReply, ClientClosed.
   */
  request(op: string, args: Record<string, string>, options: RequestOptions = {}): Promise<Frame> {
    const run = () => this.attempts(op, args, options);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async attempts(op: string, args: Record<string, string>, options: RequestOptions): Promise<Frame> {
    // Never configurable: a retried PROVISION, SETTIME or WIPE could act twice or on a changed state.
    const idempotent = IDEMPOTENT.has(op);
    const tries = idempotent ? 1 + (this.options.retries ?? 2) : 1;
    let last: Error | undefined;
    for (let i = 0; i < tries; i++) {
      try {
        return await this.once(op, args, options);
      } catch (e) {
        last = e as Error;
        const retryable = e instanceof SerialError && (e.name === 'TokenTimeout' || e.name === 'BadReply'
          || (e.name === 'TokenError' && (e.wireCode === 'BAD_CHECKSUM' || e.wireCode === 'BAD_FRAME' || e.wireCode === 'BUSY')));
        if (!retryable || i === tries - 1) throw e;
        // BUSY: the token is waiting for a press on another request; give it a moment.
        if ((e as SerialError).wireCode === 'BUSY') await new Promise((r) => setTimeout(r, 300));
      }
    }
    throw last as Error;
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    return id;
  }

  private once(op: string, args: Record<string, string>, options: RequestOptions): Promise<Frame> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.allocateId();
    const line = encodeFrame({ id, op, args }, crc32);
    return new Promise<Frame>((resolve, reject) => {
      const p: Pending = {
        id, op, resolve, reject,
        onWait: options.onWait ?? this.options.onWait,
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? 2000,
      };
      this.pending = p;
      this.arm(p, p.timeoutMs);
      // A leading newline ends any partial line a previous program left in the token's buffer.
      const text = this.flushed ? line : '\n' + line;
      this.flushed = true;
      this.transport.write(text).catch((e) => this.settle(p, e instanceof SerialError && e.name === 'TokenDisconnected'
        ? new SerialError('TokenDisconnected', `token on ${this.path} disconnected while sending ${op} (cable pulled?)`, { port: this.path, cause: e })
        : e as Error));
    });
  }

  private arm(p: Pending, ms: number): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.settle(p, new SerialError('TokenTimeout',
        `no reply from the token on ${this.path} to ${p.op} within ${(ms / 1000).toFixed(1)} s` +
        (IDEMPOTENT.has(p.op) ? '' : ' (it may or may not have acted)'), { port: this.path }));
    }, ms);
  }

  private settle(p: Pending, result: Frame | Error): void {
    if (this.pending !== p) return;
    this.pending = undefined;
    if (p.timer) clearTimeout(p.timer);
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  /**
   * Splits incoming bytes into lines and decodes those that claim to be frames. Lines not starting
   * with "!" are noise (a board's boot banner, a console prompt) and are ignored rather than failing
   * the request in flight; a line that starts with "!" but does not decode is a garbled reply.
   */
  private lines(chunk: string): DecodeResult[] {
    const out: DecodeResult[] = [];
    for (const c of chunk) {
      if (c === '\n' || c === '\r') {
        // A frame holds no "!" but its first, so noise run into a frame on the same line is cut off.
        const bang = this.line.lastIndexOf('!');
        const l = bang >= 0 ? this.line.slice(bang).trim() : '';
        this.line = '';
        if (l !== '') out.push(decodeLine(l, crc32));
      } else if (this.line.length <= MAX_FRAME) this.line += c;
      // Past MAX_FRAME the line is kept truncated; decodeLine then reports it as too long.
    }
    return out;
  }

  private receive(chunk: string): void {
    for (const r of this.lines(chunk)) {
      const p = this.pending;
      if (!p) continue;
      if (!r.frame) {
        // A garbled reply: for an idempotent request it is retried; otherwise the outcome is unknown.
        this.settle(p, new SerialError('BadReply', `garbled reply from the token on ${this.path} to ${p.op} (${r.error}: ${r.message})`, { port: this.path }));
        continue;
      }
      const f = r.frame;
      if (f.id !== p.id && f.id !== 0) continue; // a late reply to an earlier attempt
      if (f.op === 'WAIT') {
        // A malformed timeout still means "waiting": assume the protocol's default of 10 s.
        const secs = parseWaitReply(f.args).value ?? 10;
        this.arm(p, secs * 1000 + WAIT_SLACK_MS);
        p.onWait?.({ reason: f.args.reason ?? 'presence', timeout: secs, op: p.op });
        continue;
      }
      if (f.op === 'OK' && f.id === p.id) this.settle(p, f);
      else if (f.op === 'ERR') {
        const err = parseErrorReply(f.args).value ?? { code: 'UNKNOWN', msg: '' };
        const code = err.code;
        const msg = err.msg;
        this.settle(p, new SerialError('TokenError', `token on ${this.path} refused ${p.op}: ${code}${msg ? ' (' + msg + ')' : ''}`, { port: this.path, wireCode: code }));
      } else if (f.id === p.id) {
        this.settle(p, new SerialError('BadReply', `token on ${this.path} answered ${p.op} with unexpected "${f.op}"`, { port: this.path }));
      }
    }
  }

  private closedUnderUs(error?: Error): void {
    const p = this.pending;
    this.closedError = error instanceof SerialError ? error
      : new SerialError('ClientClosed', `connection to ${this.path} is closed`, { port: this.path });
    if (p) {
      const e = error
        ? new SerialError('TokenDisconnected', `token on ${this.path} disconnected while waiting for the reply to ${p.op} (cable pulled?)`, { port: this.path, cause: error })
        : new SerialError('ClientClosed', `connection to ${this.path} was closed while waiting for the reply to ${p.op}`, { port: this.path });
      this.settle(p, e);
    }
  }

  /** Whether the port is still open. */
  get isOpen(): boolean {
    return !this.closedError && this.transport.isOpen;
  }

  /** Rejects any request in flight, closes the port and releases every timer and handle. */
  async close(): Promise<void> {
    if (!this.closedError) this.closedError = new SerialError('ClientClosed', `connection to ${this.path} is closed`, { port: this.path });
    const p = this.pending;
    if (p) this.settle(p, new SerialError('ClientClosed', `connection to ${this.path} was closed while waiting for the reply to ${p.op}`, { port: this.path }));
    await this.transport.close();
  }
}
