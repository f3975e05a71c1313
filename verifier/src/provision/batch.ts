/**
 * Batch provisioning: tokens are provisioned one after another as their ports appear.
 *
 * A port is provisioned once per appearance: it is remembered (by device) until it disappears, so
 * unplugging a token and plugging the next one into the same socket provisions the next one.
 * Stopping (the AbortSignal, Ctrl-C in the CLI) never cuts a token mid-run: the token in progress is
 * finished first, so each token ends READY, refused before any registry write, or (on a link failure)
 * PENDING, never half-recorded.
 */
import { TokenClient, ClientOptions } from '../serial/client.ts';
import { ProvisionOptions, ProvisionRegistry, ProvisionResult, provisionToken } from './provision.ts';
import { FoundPort, scanPorts } from './watch.ts';

/** Options of provisionBatch. */
export interface BatchOptions extends Omit<ProvisionOptions, 'serial'> {
  /** Port globs to watch. */
  watch: string[];
  /** Stop after this many tokens were provisioned. Default: until stopped. */
  count?: number;
  /** Milliseconds between scans. Default 250. */
  pollMs?: number;
  /** Milliseconds to let a new port settle (USB enumeration) before opening it. Default 300. */
  settleMs?: number;
  /** Stops the batch after the token in progress. */
  signal?: AbortSignal;
  /** Client options for each token (timeouts, baud). */
  client?: ClientOptions;
  /** Progress events. */
  onEvent?: (event: BatchEvent) => void;
}

/** Progress of a batch. */
export type BatchEvent =
  | { type: 'waiting'; done: number; count?: number }
  | { type: 'start'; port: string; index: number }
  /** `result.ms` is the provisioning flow; `totalMs` adds opening the port and the handshake. */
  | { type: 'provisioned'; port: string; index: number; result: ProvisionResult; totalMs: number }
  | { type: 'failed'; port: string; index: number; error: Error };

/** The end of a batch. */
export interface BatchSummary {
  provisioned: (ProvisionResult & { port: string })[];
  failed: { port: string; error: Error }[];
  /** Whether it was stopped before reaching `count`. */
  stopped: boolean;
  /** Wall time of the batch in ms. */
  ms: number;
  /** Mean provisioning time per token in ms (0 when none). */
  meanMs: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs a batch until `count` tokens are provisioned or the signal aborts. */
export async function provisionBatch(registry: ProvisionRegistry, options: BatchOptions): Promise<BatchSummary> {
  const started = performance.now();
  const summary: BatchSummary = { provisioned: [], failed: [], stopped: false, ms: 0, meanMs: 0 };
  const handled = new Set<string>();
  const pollMs = options.pollMs ?? 250;
  const settleMs = options.settleMs ?? 300;
  const { signal } = options;
  const target = options.count;
  let index = 0;
  let announced = -1;

  while (!signal?.aborted && (target === undefined || summary.provisioned.length < target)) {
    const present = scanPorts(options.watch);
    const devices = new Set(present.map((p) => p.device));
    for (const d of [...handled]) if (!devices.has(d)) handled.delete(d); // unplugged: forget it
    const fresh: FoundPort[] = present.filter((p) => !handled.has(p.device));
    if (fresh.length === 0) {
      if (announced !== summary.provisioned.length) {
        announced = summary.provisioned.length;
        options.onEvent?.({ type: 'waiting', done: announced, count: target });
      }
      await sleep(pollMs, signal);
      continue;
    }
    for (const p of fresh) {
      if (signal?.aborted || (target !== undefined && summary.provisioned.length >= target)) break;
      handled.add(p.device);
      index++;
      if (settleMs > 0) await sleep(settleMs);
      options.onEvent?.({ type: 'start', port: p.path, index });
      let client: TokenClient | undefined;
      const t0 = performance.now();
      try {
        client = await TokenClient.connect(p.path, options.client);
        const result = await provisionToken(registry, client, options);
        summary.provisioned.push({ ...result, port: p.path });
        options.onEvent?.({ type: 'provisioned', port: p.path, index, result, totalMs: performance.now() - t0 });
      } catch (e) {
        summary.failed.push({ port: p.path, error: e as Error });
        options.onEvent?.({ type: 'failed', port: p.path, index, error: e as Error });
      } finally {
        await client?.close();
      }
    }
  }
  summary.stopped = target === undefined || summary.provisioned.length < target;
  summary.ms = performance.now() - started;
  summary.meanMs = summary.provisioned.length ? summary.provisioned.reduce((s, r) => s + r.ms, 0) / summary.provisioned.length : 0;
  return summary;
}
