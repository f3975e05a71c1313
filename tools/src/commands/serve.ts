/**
 * `hwtotp serve`: the HTTP JSON API and the web console over the registry (verifier/src/http).
 * Binds to 127.0.0.1 unless told otherwise; prints the operator key only when it was just generated.
 */
import { existsSync } from 'node:fs';
import { isLoopback, listenHttp } from '@hwtotp/verifier/http';
import { Command, Io, UsageError, intFlag, untilStopSignal } from '../command.ts';
import { dbPathFromFlags, openVerifierFromFlags } from '../open-verifier.ts';

/** Prints where the server listens and, the one time it is generated, the operator key. */
export function announce(io: Io, url: string, key: { key: string; source: string; file?: string }, json = false): void {
  if (json) {
    // One line a supervisor can parse; the key itself only when this is its one showing.
    io.out(JSON.stringify({ event: 'listening', url, keySource: key.source, keyFile: key.file ?? null, ...(key.source === 'generated' ? { key: key.key } : {}) }));
    return;
  }
  io.out(`hwtotp serve: console and API on ${url}`);
  if (key.source === 'generated') {
    io.out(`Operator API key (shown once; stored in ${key.file} with mode 0600):`);
    io.out(`  ${key.key}`);
  } else if (key.source === 'file') {
    io.out(`Operator API key: in ${key.file}`);
  } else {
    io.out('Operator API key: from $HWTOTP_API_KEY');
  }
}

export const serve: Command = {
  name: 'serve',
  usage: 'hwtotp serve [--host 127.0.0.1] [--port 8080] [--db FILE] [--key-file FILE] [--public-check] [--allowed-host NAME]... [--user-rate PER_MIN] [--address-rate PER_SEC] [--json]',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    db: { type: 'string' },
    'key-file': { type: 'string' },
    'public-check': { type: 'boolean' },
    'allowed-host': { type: 'string', multiple: true },
    'user-rate': { type: 'string' },
    'address-rate': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, _pos, io) {
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
    if (host === '') throw new UsageError('--host must not be empty');
    const port = intFlag(flags, 'port', 0, 65535) ?? 8080;
    const userRate = intFlag(flags, 'user-rate', 1, 100_000);
    const addressRate = intFlag(flags, 'address-rate', 1, 1_000_000);
    // Listen for Ctrl-C before anything is printed: a script may signal as soon as it reads the URL.
    const stopped = untilStopSignal();
    const dbPath = dbPathFromFlags(flags, io.env);
    // serve creates a registry (a first start shows an empty console, then tokens are imported),
    // but never silently: a mistyped --db is visible at once.
    const fresh = dbPath !== ':memory:' && !existsSync(dbPath);
    const verifier = await openVerifierFromFlags(flags, io, { create: true });
    const json = flags.json === true;
    if (fresh) {
      if (json) io.out(JSON.stringify({ event: 'created', db: dbPath }));
      else io.err(`hwtotp serve: created a new, empty registry ${dbPath}`);
    }
    let server;
    try {
      server = await listenHttp({
        verifier, dbPath, host, port, env: io.env,
        publicCheck: flags['public-check'] === true,
        extraHosts: (flags['allowed-host'] as unknown as string[] | undefined) ?? [],
        checkLimits: {
          perUser: userRate ? { capacity: Math.max(5, Math.ceil(userRate / 2)), perSecond: userRate / 60 } : undefined,
          perAddress: addressRate ? { capacity: Math.max(10, addressRate * 2), perSecond: addressRate } : undefined,
        },
        logger: { level: 'warn' },
      });
    } catch (e) {
      await verifier.close();
      throw e;
    }
    announce(io, server.url, server.apiKey, json);
    if (!isLoopback(host)) io.err(`warning: listening on ${host}, reachable from other machines, over plain HTTP; put a TLS proxy in front`);
    await stopped;
    io.out(json ? JSON.stringify({ event: 'stopping' }) : 'hwtotp serve: stopping');
    await server.close();
    await verifier.close();
    return 0;
  },
};
