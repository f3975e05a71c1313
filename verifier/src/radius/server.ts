/**
 * The RADIUS authentication server of `hwtotp radius` (RFC 2865 over UDP). For each datagram, in
 * this order, anything failing is dropped without a reply and counted:
 *   1. the source address must be a client of the clients file;
 *   2. the packet must decode (lengths, attributes; RFC 2865 §3, §5) and be an Access-Request;
 *   3. its Message-Authenticator (RFC 3579 §3.2) must verify with the client's secret, and be
 *      present unless the client's line says require-message-authenticator=no (BlastRADIUS);
 *   4. the User-Password must reveal printable text (else the secret is wrong).
 * An Access-Request's Request Authenticator is a random nonce (RFC 2865 §3) with nothing to verify
 * on its own: the Message-Authenticator covers it, and for an unsigned request (a client that may
 * omit one) the revealed password is the only sign of a wrong secret.
 * A retransmission (RFC 5080 §2.2.2) gets the cached reply. Everything else is answered with the
 * verdict of Verifier.check, which also writes the audit rows and applies replay protection and
 * lockout: Access-Accept, or Access-Reject with a Reply-Message from refusals.ts.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { isVerifierError } from '../errors.ts';
import type { Verifier } from '../verifier.ts';
import { checkRequestMessageAuthenticator } from './authenticators.ts';
import type { RadiusClients } from './clients.ts';
import { DropLog, type DropSummary } from './drop-log.ts';
import { CODE, MAX_LENGTH, MalformedPacket, decodePacket, type MalformedKind, type Packet } from './packet.ts';
import { buildReply } from './reply.ts';
import { ReplyCache } from './reply-cache.ts';
import { radiusRefusal } from './refusals.ts';
import { papRequest } from './request.ts';

/** Why a packet got no reply. */
export type DropReason = MalformedKind | 'unknown-client' | 'not-access-request' | 'bad-message-authenticator'
  | 'no-message-authenticator' | 'undecodable-password';

/** What the server has done since it started. */
export interface RadiusStats {
  received: number;
  accepted: number;
  rejected: number;
  challenged: number;
  /** Retransmissions answered from the reply cache. */
  retransmissions: number;
  dropped: { [R in DropReason]?: number };
}

export interface RadiusServerOptions {
  verifier: Pick<Verifier, 'check'>;
  clients: RadiusClients;
  /** An IP address; default 127.0.0.1. */
  host?: string;
  /** Default 1812 (RFC 2865 §3); 0 picks a free port. */
  port?: number;
  /** The rate-limited summary of dropped packets. */
  onDrops?: (s: DropSummary) => void;
  /** A check that failed on the server's side (answered "server error"). */
  onFault?: (e: Error) => void;
  dropLogIntervalMs?: number;
  replyCacheMs?: number;
}

export interface RunningRadius {
  host: string;
  port: number;
  stats: RadiusStats;
  /** Stops taking packets, waits for the checks under way, writes the last drop summary. */
  close(): Promise<void>;
}

/** The default port (RFC 2865 §3). */
export const RADIUS_PORT = 1812;

/** The address to bind: an IP address, never a name (a name could resolve anywhere). */
export function checkRadiusHost(host: string): string {
  if (isIP(host) === 0) throw new Error(`host must be an IP address, got "${host}"`);
  return host;
}

/** Binds the server; resolves once the socket is bound. */
export async function listenRadius(o: RadiusServerOptions): Promise<RunningRadius> {
  const host = checkRadiusHost(o.host ?? '127.0.0.1');
  const socket: Socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  const stats: RadiusStats = { received: 0, accepted: 0, rejected: 0, challenged: 0, retransmissions: 0, dropped: {} };
  const drops = new DropLog(o.onDrops ?? (() => {}), o.dropLogIntervalMs);
  const cache = new ReplyCache(o.replyCacheMs);
  const inFlight = new Set<Promise<void>>();

  const drop = (reason: DropReason, from: RemoteInfo): void => {
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
    drops.note(reason, from.address);
  };

  /** The verdict for an authenticated request, as a reply packet (null: no reply). */
  const answer = async (p: Packet, secret: Buffer, from: RemoteInfo): Promise<Buffer | null> => {
    const pap = papRequest(p, secret);
    if (pap === 'undecodable') {
      drop('undecodable-password', from);
      return null;
    }
    if (pap.user === null || pap.code === null) {
      stats.rejected++;
      return buildReply(p, CODE.AccessReject, pap.user === null ? 'no User-Name' : 'only PAP (User-Password) is supported', secret);
    }
    try {
      await o.verifier.check(pap.user, pap.code);
      stats.accepted++;
      return buildReply(p, CODE.AccessAccept, null, secret);
    } catch (e) {
      if (!isVerifierError(e)) throw e;
      if (e.httpStatus >= 500 || e.name === 'ClockSkew') o.onFault?.(e);
      const r = radiusRefusal(e);
      if (r.kind === 'challenge') stats.challenged++;
      else stats.rejected++;
      return buildReply(p, r.kind === 'challenge' ? CODE.AccessChallenge : CODE.AccessReject, r.message, secret);
    }
  };

  const handle = async (msg: Buffer, from: RemoteInfo): Promise<void> => {
    stats.received++;
    if (msg.length > MAX_LENGTH) return drop('too-long', from);
    const client = o.clients.lookup(from.address);
    if (!client) return drop('unknown-client', from);
    let p: Packet;
    try {
      p = decodePacket(msg);
      if (p.code !== CODE.AccessRequest) return drop('not-access-request', from);
      const ma = checkRequestMessageAuthenticator(p, client.secret);
      if (ma === 'invalid') return drop('bad-message-authenticator', from);
      if (ma === 'absent' && client.requireMessageAuthenticator) return drop('no-message-authenticator', from);
      const key = ReplyCache.key(from.address, from.port, p.identifier, p.authenticator);
      const cached = cache.get(key, p.bytes);
      let reply: Buffer | null;
      if (cached) {
        stats.retransmissions++;
        reply = await cached;
      } else {
        const pending = answer(p, client.secret, from);
        cache.set(key, p.bytes, pending.catch(() => null));
        reply = await pending;
      }
      if (reply) socket.send(reply, from.port, from.address);
    } catch (e) {
      if (e instanceof MalformedPacket) return drop(e.kind, from);
      o.onFault?.(e as Error);
    }
  };

  socket.on('message', (msg, from) => {
    const job = handle(msg, from).catch((e: unknown) => o.onFault?.(e as Error));
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  });
  // A send to a vanished client (ICMP unreachable) must not stop the server.
  socket.on('error', (e) => o.onFault?.(e));

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port ?? RADIUS_PORT, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // The kernel may cap it (net.core.rmem_max); the default buffer still works.
  }
  const address = socket.address();
  let closed: Promise<void> | undefined;
  return {
    host, port: address.port, stats,
    close: () => (closed ??= (async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      drops.flush();
    })()),
  };
}
