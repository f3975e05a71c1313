/**
 * `hwtotp provision`: provision a blank token over USB serial (two phases: pending, then ready on a
 * matching KCV), or with --batch every token plugged in, one after another.
 * Prints the serial and key check value; never the seed.
 */
import {
  checkWatchPattern, DEFAULT_PREFIX, DEFAULT_WATCH, provisionBatch, provisionToken, TokenClient, validateSerialCheck,
  type BatchEvent, type Verifier,
} from '@hwtotp/verifier';
import { DEFAULT_PARAMS, LIMITS, parseAlgorithm, SERIAL_PATTERN, type HashAlgorithm } from '@hwtotp/protocol';
import { Command, Flags, Io, UsageError, intFlag } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';
import { clientOptions, serialOptions } from './info.ts';

function params(flags: Flags): { algorithm: HashAlgorithm; digits: number; period: number; prefix: string } {
  let algorithm: HashAlgorithm;
  try {
    algorithm = parseAlgorithm(typeof flags.algorithm === 'string' ? flags.algorithm : DEFAULT_PARAMS.algorithm);
  } catch (e) {
    throw new UsageError(`--algorithm: ${(e as Error).message}`);
  }
  const prefix = typeof flags.prefix === 'string' ? flags.prefix : DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9]{1,16}$/.test(prefix)) throw new UsageError(`--prefix must be 1 to 16 letters or digits, got "${prefix}"`);
  return {
    algorithm,
    digits: intFlag(flags, 'digits', LIMITS.digits.min, LIMITS.digits.max) ?? DEFAULT_PARAMS.digits,
    period: intFlag(flags, 'period', LIMITS.period.min, LIMITS.period.max) ?? DEFAULT_PARAMS.period,
    prefix: prefix.toUpperCase(),
  };
}

/** A typed serial that looks like one we allocate must carry a valid check character. */
function typedSerial(flags: Flags, prefix: string): string | undefined {
  const s = flags.serial;
  if (s === undefined) return undefined;
  if (typeof s !== 'string' || !SERIAL_PATTERN.test(s)) {
    throw new UsageError(`--serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -, got "${String(s)}"`);
  }
  if (new RegExp(`^${prefix}\\d{8}[0-9A-Za-z]$`, 'i').test(s) && !validateSerialCheck(s)) {
    throw new UsageError(`--serial ${s} fails its check character: probably mistyped (compare with the label)`);
  }
  return s;
}

function line(io: Io, json: boolean, obj: Record<string, unknown>, text: string): void {
  io.out(json ? JSON.stringify(obj) : text);
}

async function batch(v: Verifier, flags: Flags, io: Io, p: ReturnType<typeof params>): Promise<number> {
  const json = !!flags.json;
  const raw = flags.watch as unknown;
  const watch = (Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : DEFAULT_WATCH).map((w) => {
    try {
      return checkWatchPattern(w);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  const count = intFlag(flags, 'count', 1, 1_000_000);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.err('stopping after the token in progress (Ctrl-C again to quit at once; a token cut off stays pending, never ready)');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const onEvent = (e: BatchEvent) => {
    if (e.type === 'waiting') {
      line(io, json, { event: 'waiting', done: e.done, count: e.count ?? null, watch },
        `waiting for a token on ${watch.join(' ')} (${e.done}${e.count ? '/' + e.count : ''} done; Ctrl-C to stop)`);
    } else if (e.type === 'start') {
      if (json) io.out(JSON.stringify({ event: 'start', index: e.index, port: e.port }));
    } else if (e.type === 'provisioned') {
      const r = e.result;
      line(io, json, { event: 'provisioned', index: e.index, port: e.port, serial: r.serial, kcv: r.kcv, outcome: r.outcome, ms: Math.round(r.ms), totalMs: Math.round(e.totalMs) },
        `[${e.index}] ${e.port}: ${r.outcome} ${r.serial}  KCV ${r.kcv}  (${Math.round(e.totalMs)} ms)`);
    } else if (e.type === 'failed') {
      line(io, json, { event: 'failed', index: e.index, port: e.port, error: e.error.name, message: e.error.message },
        `[${e.index}] ${e.port}: FAILED ${e.error.name}: ${e.error.message}`);
    }
  };
  try {
    const s = await provisionBatch(v, {
      ...p, watch, count, signal: controller.signal, onEvent, client: clientOptions(flags),
      settleMs: intFlag(flags, 'settle-ms', 0, 60_000) ?? 300,
    });
    line(io, json,
      { event: 'summary', provisioned: s.provisioned.length, failed: s.failed.length, stopped: s.stopped, ms: Math.round(s.ms), meanMs: Math.round(s.meanMs), serials: s.provisioned.map((r) => r.serial) },
      `batch ${s.stopped ? 'stopped' : 'done'}: ${s.provisioned.length} provisioned, ${s.failed.length} failed in ${(s.ms / 1000).toFixed(1)} s` +
      (s.provisioned.length ? ` (mean ${Math.round(s.meanMs)} ms per token)` : ''));
    return s.failed.length ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const provision: Command = {
  name: 'provision',
  usage: 'hwtotp provision --port DEV [--serial S] [--algorithm SHA1|SHA256|SHA512] [--digits 6-8] [--period S] [--prefix P] [--baud N] ' +
    '[--db FILE] [--key-file F] [--json]\n       hwtotp provision --batch [--watch GLOB]... [--count N] [--settle-ms MS] [--prefix P] [--algorithm A] [--digits N] [--period S] ' +
    '[--baud N] [--db FILE] [--key-file F] [--json]',
  options: {
    ...dbOptions,
    ...serialOptions,
    serial: { type: 'string' },
    algorithm: { type: 'string' },
    digits: { type: 'string' },
    period: { type: 'string' },
    prefix: { type: 'string' },
    batch: { type: 'boolean' },
    watch: { type: 'string', multiple: true },
    count: { type: 'string' },
    'settle-ms': { type: 'string' },
  },
  async run(flags, _pos, io) {
    const p = params(flags);
    if (flags.batch) {
      if (flags.port !== undefined || flags.serial !== undefined) throw new UsageError('--batch takes --watch GLOB, not --port or --serial');
      return withVerifier(flags, io, (v) => batch(v, flags, io, p), { create: true });
    }
    if (flags.watch !== undefined || flags.count !== undefined) throw new UsageError('--watch and --count go with --batch');
    if (typeof flags.port !== 'string' || flags.port === '') throw new UsageError('--port is required (or --batch)');
    const serial = typedSerial(flags, p.prefix);
    return withVerifier(flags, io, async (v) => {
      const client = await TokenClient.connect(flags.port as string, clientOptions(flags));
      try {
        const r = await provisionToken(v, client, { ...p, serial });
        line(io, !!flags.json, { serial: r.serial, kcv: r.kcv },
          `${r.outcome === 'resumed' ? 'resumed and provisioned' : 'provisioned'} ${r.serial}  KCV ${r.kcv}  ` +
          `(${r.algorithm}, ${r.digits} digits, ${r.period} s; ${r.board} firmware ${r.fw}; ${Math.round(r.ms)} ms)`);
        // Interrupted runs leave pending entries that only a re-run with their serial resolves.
        const pending = (await v.list()).filter((t) => t.state === 'pending').map((t) => t.serial);
        if (pending.length) {
          io.err(`note: ${pending.length} token(s) still pending from interrupted runs, unusable until resolved: ${pending.join(', ')} ` +
            '(plug each in and run provision with --serial S)');
        }
        return 0;
      } finally {
        await client.close();
      }
    }, { create: true });
  },
};
