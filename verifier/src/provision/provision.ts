/**
 * Provisioning a blank token over the serial client, in two phases so that nothing half-done is
 * ever usable for enable:
 *
 *   1. HELLO: the token must be blank and able to hash the algorithm (checked before any seed exists).
 *   2. The seed is drawn with crypto.randomBytes (20/32/64 bytes for SHA1/SHA256/SHA512, RFC 4226 §4
 *      R6 recommends at least the hash length) and recorded as PENDING, sealed, with its KCV.
 *   3. PROVISION sends serial, seed, parameters and the host clock.
 *   4. The returned KCV is compared with the host's (constant time); only then is the token READY.
 *
 * A run cut anywhere leaves the registry entry pending or absent, never ready. A re-run resolves a
 * pending entry: a blank token is provisioned again under the same serial with a NEW seed (the old one
 * may have crossed the wire and must not be trusted); a token already provisioned under that serial is
 * marked ready only if it reports the pending entry's KCV; anything else is refused with what to do.
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, DEFAULT_PARAMS, DIGEST_LENGTH, HashAlgorithm, kcv as computeKcv, SERIAL_PATTERN } from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';
import type { NewToken, TokenInfo } from '../types.ts';
import { SerialError } from '../serial/errors.ts';
import type { TokenClient } from '../serial/client.ts';
import type { HelloInfo } from '../serial/hello.ts';
import { ProvisionError } from './errors.ts';
import { DEFAULT_PREFIX, checkPrefix, formatSerial, issuable } from './serial-number.ts';

/** Seed length per algorithm: the hash's output length (RFC 6238 §5.1 recommends it). */
export const SEED_BYTES: { [alg: string]: number } = DIGEST_LENGTH;

/** The registry calls provisioning needs (a subset of the Verifier). */
export interface ProvisionRegistry {
  addPending(token: NewToken): Promise<unknown>;
  markReady(serial: string, kcv: string): Promise<unknown>;
  removePending(serial: string): Promise<unknown>;
  nextSerial(prefix: string): Promise<number | string>;
  token(serial: string): Promise<TokenInfo>;
}

/** The steps reported to onStep, in order. */
export type ProvisionStep = 'hello' | 'pending' | 'sent' | 'confirmed' | 'ready';

/** Options of provisionToken. */
export interface ProvisionOptions {
  /** The serial to give the token; default: the blank token's own, else a newly allocated one. */
  serial?: string;
  /** Prefix of allocated serials. Default "HWT". */
  prefix?: string;
  algorithm?: HashAlgorithm;
  digits?: number;
  period?: number;
  /** Host clock in ms (default Date.now). */
  now?: () => number;
  /** Randomness (default crypto.randomBytes). */
  random?: (n: number) => Uint8Array;
  /** Called after each step; a throw aborts the run there (tests use it to cut the run). */
  onStep?: (step: ProvisionStep, serial?: string) => void | Promise<void>;
}

/** What a run did. */
export interface ProvisionResult {
  serial: string;
  kcv: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  board: string;
  fw: string;
  /** 'provisioned' for a fresh run; 'resumed' when a pending entry was resolved. */
  outcome: 'provisioned' | 'resumed';
  /** Milliseconds from the start of the run to READY. */
  ms: number;
}

async function lookup(registry: ProvisionRegistry, serial: string): Promise<TokenInfo | undefined> {
  try {
    return await registry.token(serial);
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntity') return undefined;
    throw e;
  }
}

/**
 * The next serial from the registry's counter for the prefix. A number whose check symbol would be
 * "*" is not issued: the counter is drawn again (at most a few times in a row, 1 in 37 each).
 */
async function allocate(registry: ProvisionRegistry, prefix: string, floor: number): Promise<{ serial: string; sequence: number }> {
  for (let draws = 0; draws < 50; draws++) {
    const next = await registry.nextSerial(prefix);
    let seq: number;
    if (typeof next === 'number') seq = next;
    else {
      // A registry that returns a whole serial: take its sequence when it carries our prefix.
      const m = new RegExp(`^${prefix}(\\d+)[0-9A-Z]?$`, 'i').exec(next);
      if (!m) return { serial: next, sequence: floor };
      seq = Number(m[1]);
    }
    if (seq >= floor && issuable(prefix, seq)) return { serial: formatSerial(prefix, seq), sequence: seq };
  }
  throw new RangeError(`could not allocate a serial under prefix ${prefix}: the registry counter does not advance`);
}

/**
 * Provisions the token on an open client (see the file comment for the phases).
 * @throws ProvisionError (TokenNotBlank, AlgorithmUnsupported, KcvMismatch, SerialMismatch,
 *   PendingUnresolved, ProvisionInterrupted, InvalidSerial, EntityAlreadyExists), SerialError for a
 *   refusal by the token, or a registry error.
 */
export async function provisionToken(registry: ProvisionRegistry, client: TokenClient, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const started = performance.now();
  const now = options.now ?? Date.now;
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const algorithm = options.algorithm ?? DEFAULT_PARAMS.algorithm;
  const digits = options.digits ?? DEFAULT_PARAMS.digits;
  const period = options.period ?? DEFAULT_PARAMS.period;
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const port = client.path;
  if (options.serial !== undefined && !SERIAL_PATTERN.test(options.serial)) {
    throw new ProvisionError('InvalidSerial', `serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -, got "${options.serial}"`);
  }

  const hello: HelloInfo = await client.hello();
  await options.onStep?.('hello', hello.serial);
  const done = (serial: string, kcv: string, outcome: ProvisionResult['outcome'], p: { algorithm: HashAlgorithm; digits: number; period: number }): ProvisionResult =>
    ({ serial, kcv, ...p, board: hello.board, fw: hello.fw, outcome, ms: performance.now() - started });

  if (hello.state !== 'blank') return resolveProvisioned(registry, port, hello, options, done);

  if (!hello.hashes.includes(algorithm)) {
    throw new ProvisionError('AlgorithmUnsupported',
      `the ${hello.board} token on ${port} cannot compute ${algorithm} (it has ${hello.hashes.join(', ') || 'none'}); choose --algorithm ${hello.hashes[0] ?? 'SHA1'}`);
  }
  if (options.serial !== undefined && hello.serial !== undefined && hello.serial !== options.serial) {
    throw new ProvisionError('SerialMismatch', `the blank token on ${port} already carries serial ${hello.serial}, not ${options.serial}; omit --serial to use it`, { serial: hello.serial });
  }

  let serial = options.serial ?? hello.serial;
  let outcome: ProvisionResult['outcome'] = 'provisioned';
  if (serial !== undefined) {
    const known = await lookup(registry, serial);
    if (known && known.state !== 'pending') {
      throw new ProvisionError('EntityAlreadyExists', `serial ${serial} is already in the registry (${known.state}); give another --serial`, { serial });
    }
    if (known) {
      // The token is blank, so it never stored the pending seed: start over with a fresh one.
      await registry.removePending(serial);
      outcome = 'resumed';
    }
  }

  const seed = random(SEED_BYTES[algorithm]!);
  try {
    const expected = computeKcv(nobleHmac, algorithm, seed);
    serial = await addPending(registry, serial, prefix, { secret: seed, algorithm, digits, period, kcv: expected });
    await options.onStep?.('pending', serial);

    let reply: { kcv: string; serial: string };
    try {
      reply = await client.provision({ serial, secret: seed, algorithm, digits, period, t0: DEFAULT_PARAMS.t0, time: Math.floor(now() / 1000) });
    } catch (e) {
      // An ERR reply means the token did not act (STORAGE aside: flash may be half-written).
      if (e instanceof SerialError && e.name === 'TokenError' && e.wireCode !== 'STORAGE') {
        await registry.removePending(serial);
        throw e;
      }
      throw interrupted(serial, port, e as Error);
    }
    await options.onStep?.('sent', serial);

    if (!constantTimeEqual(reply.kcv, expected) || reply.serial !== serial) {
      throw new ProvisionError('KcvMismatch',
        `the token on ${port} reported KCV ${reply.kcv} for serial ${reply.serial}, the host computed ${expected} for ${serial}: ` +
        `the seed did not arrive intact. ${serial} stays pending and cannot be enabled; wipe the token (hwtotp wipe --port ${port}), ` +
        `then provision it again under the same serial (hwtotp provision --port ${port} --serial ${serial})`,
        { serial });
    }
    await options.onStep?.('confirmed', serial);
    await registry.markReady(serial, expected);
    await options.onStep?.('ready', serial);
    return done(serial, expected, outcome, { algorithm, digits, period });
  } finally {
    seed.fill(0);
  }
}

async function addPending(registry: ProvisionRegistry, serial: string | undefined, prefix: string, t: Omit<NewToken, 'serial'>): Promise<string> {
  if (serial !== undefined) {
    await registry.addPending({ serial, ...t });
    return serial;
  }
  // Two provisioners sharing a registry may draw the same sequence number: the loser draws again.
  let floor = 0;
  for (let attempt = 0; ; attempt++) {
    const a = await allocate(registry, prefix, floor);
    try {
      await registry.addPending({ serial: a.serial, ...t });
      return a.serial;
    } catch (e) {
      if ((e as Error).name !== 'EntityAlreadyExists' || attempt >= 4) throw e;
      floor = a.sequence + 1;
    }
  }
}

function interrupted(serial: string, port: string, cause: Error): ProvisionError {
  return new ProvisionError('ProvisionInterrupted',
    `provisioning ${serial} on ${port} was interrupted (${cause.message}). The registry holds ${serial} as pending, ` +
    `which cannot be enabled. Plug the token back in and run: hwtotp provision --port ${port} --serial ${serial}`,
    { serial, cause });
}

async function resolveProvisioned(
  registry: ProvisionRegistry, port: string, hello: HelloInfo, options: ProvisionOptions,
  done: (serial: string, kcv: string, outcome: ProvisionResult['outcome'], p: { algorithm: HashAlgorithm; digits: number; period: number }) => ProvisionResult,
): Promise<ProvisionResult> {
  const serial = hello.serial ?? '(none)';
  const wipeHint = `wipe it first (hwtotp wipe --port ${port}, then press its button)`;
  if (options.serial !== undefined && options.serial !== hello.serial) {
    throw new ProvisionError('TokenNotBlank', `the token on ${port} is not blank: it is provisioned as ${serial}, not ${options.serial}; ${wipeHint}`, { serial });
  }
  const known = hello.serial !== undefined ? await lookup(registry, hello.serial) : undefined;
  if (!known || known.state !== 'pending') {
    const where = known ? `the registry has it as ${known.state}` : 'the registry does not know it';
    throw new ProvisionError('TokenNotBlank', `the token on ${port} is not blank: it is provisioned as ${serial} (${where}); ${wipeHint}`, { serial });
  }
  // The entry is pending: an earlier run sent the seed but did not see the KCV. Finish it only on proof.
  if (hello.kcv === undefined || known.kcv === null) {
    throw new ProvisionError('PendingUnresolved',
      `the token on ${port} is provisioned as ${serial}, which the registry holds as pending, but its firmware does not report a key check value to confirm the seed; ` +
      `${wipeHint} and run provision again with --serial ${serial}`, { serial });
  }
  const paramsMatch = hello.alg === known.algorithm && hello.digits === known.digits && hello.period === known.period;
  if (!constantTimeEqual(hello.kcv, known.kcv) || !paramsMatch) {
    throw new ProvisionError('PendingUnresolved',
      `the token on ${port} is provisioned as ${serial} but does not hold the seed the registry has pending for it (KCV ${hello.kcv}, expected ${known.kcv}); ` +
      `${wipeHint} and run provision again with --serial ${serial}`, { serial });
  }
  await registry.markReady(serial, known.kcv);
  await options.onStep?.('ready', serial);
  return done(serial, known.kcv, 'resumed', { algorithm: known.algorithm, digits: known.digits, period: known.period });
}
