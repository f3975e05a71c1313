/**
 * `hwtotp radius`: answers RADIUS Access-Requests (PAP) from the NAS listed in the clients file
 * with the verdict of `hwtotp check` (verifier/src/radius). Binds to 127.0.0.1 unless told otherwise.
 */
import { isLoopback } from '@hwtotp/verifier/http';
import { checkRadiusHost, formatDrops, listenRadius, RadiusClients, RADIUS_PORT } from '@hwtotp/verifier/radius';
import { Command, UsageError, intFlag, required, untilStopSignal } from '../command.ts';
import { dbOptions, openVerifierFromFlags } from '../open-verifier.ts';

export const radius: Command = {
  name: 'radius',
  usage: 'hwtotp radius --clients FILE [--host 127.0.0.1] [--port 1812] [--db FILE] [--key-file F] [--json]',
  options: { ...dbOptions, host: { type: 'string' }, port: { type: 'string' }, clients: { type: 'string' } },
  async run(flags, _pos, io) {
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
    if (host === '') throw new UsageError('--host must not be empty');
    try {
      checkRadiusHost(host);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
    const port = intFlag(flags, 'port', 0, 65535) ?? RADIUS_PORT;
    const clients = RadiusClients.load(required(flags, 'clients'));
    const json = flags.json === true;
    // Listen for signals before anything is printed: a supervisor may stop us as soon as we are up.
    const stopped = untilStopSignal();
    // Like check, radius never creates a registry: on a mistyped --db it would answer "no token" to all.
    const verifier = await openVerifierFromFlags(flags, io);
    let server;
    try {
      server = await listenRadius({
        verifier, clients, host, port,
        onDrops: (s) => io.err(json ? JSON.stringify({ event: 'dropped', ...s }) : `hwtotp radius: ${formatDrops(s)}`),
        onFault: (e) => io.err(json ? JSON.stringify({ event: 'fault', error: e.name, message: e.message }) : `hwtotp radius: ${e.name}: ${e.message}`),
      });
    } catch (e) {
      await verifier.close();
      throw e;
    }
    io.out(json ? JSON.stringify({ event: 'listening', host: server.host, port: server.port })
      : `hwtotp radius: listening on ${server.host} port ${server.port} (UDP) for ${clients.all.length} client line${clients.all.length === 1 ? '' : 's'}`);
    for (const w of clients.warnings) io.err(`warning: ${w}`);
    if (!isLoopback(host)) {
      io.err(`warning: listening on ${host}, reachable from other machines; RADIUS carries codes over UDP hidden only by MD5 ` +
        'of the shared secret: keep it on a trusted network or inside IPsec/RadSec');
    }
    await stopped;
    await server.close();
    await verifier.close();
    const s = server.stats;
    io.out(json ? JSON.stringify({ event: 'stopped', stats: s })
      : `hwtotp radius: stopped after ${s.accepted} accepted, ${s.rejected} rejected, ${s.retransmissions} retransmissions answered from cache, ` +
        `${Object.values(s.dropped).reduce((a, b) => a + (b ?? 0), 0)} dropped`);
    return 0;
  },
};
