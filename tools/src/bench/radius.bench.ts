/**
 * `npm run bench -- radius`: accepted sign-in checks per second over RADIUS (`hwtotp radius`)
 * against the same over HTTP (`hwtotp serve`'s /api/mfa/check), on one registry in one server
 * process. Issue 14: RADIUS must at least match HTTP.
 *
 * The server process opens one SQLite registry with 2 × USERS enabled tokens (enabled on a clock
 * 90 s behind, so every user's current code is fresh) and serves it both ways: fastify as
 * `serve` builds it (operator key, body validation, rate limiters raised as in http.bench.ts) and the
 * RADIUS server as `radius` builds it (clients file lookup, Message-Authenticator, reply cache).
 * The first USERS users sign in over HTTP, the others over RADIUS, so each check is a real accept:
 * window computed, last step written (the replay guard), audit row written.
 *
 * The clients run in this process on the other core, CONCURRENCY requests in flight each: HTTP on
 * keep-alive sockets, RADIUS as CONCURRENCY UDP sockets each sending a signed Access-Request and
 * waiting for its reply (resending the same packet after a second, as a NAS would). Reported per
 * transport: checks/s (wall) and the server's CPU time per check; then the ratio.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleHmac, toHex, totp } from '@hwtotp/protocol/host';
import { enrolledVerifier, nextMessage, serveBenchChild, type ChildReply } from './child.ts';

const SERVER_FLAG = '--hwtotp-radius-bench-server';
const KEY = 'bench-operator-key-0123456789abcdef';
const SECRET = 'bench-radius-secret-0123456789';
const USERS = 8_000;
const WARMUP = 1_000;
const CONCURRENCY = 64;

type SetupMessage = { type: 'setup'; db: string; clients: string; seeds: string[] };
type ToServer = SetupMessage | { type: 'cpu' } | { type: 'stop' };
type FromServer = { type: 'ready'; httpPort: number; radiusPort: number; setupMs: number } | ChildReply;

// ---- the server process -----------------------------------------------------------------------

async function serverMain(): Promise<void> {
  const { buildServer } = await import('@hwtotp/verifier/http');
  const { listenRadius, RadiusClients } = await import('@hwtotp/verifier/radius');
  serveBenchChild<SetupMessage>(async (m) => {
    const t0 = performance.now();
    const v = await enrolledVerifier(m.db, m.seeds);
    const app = buildServer({ verifier: v, apiKey: KEY, checkLimits: { perAddress: { capacity: 1e9, perSecond: 1e9 } } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const radius = await listenRadius({ verifier: v, clients: RadiusClients.load(m.clients), host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    process.send!({ type: 'ready', httpPort: typeof addr === 'object' && addr ? addr.port : 0, radiusPort: radius.port, setupMs: performance.now() - t0 } satisfies FromServer);
    return async () => { await radius.close(); await app.close(); await v.close(); };
  });
}

if (process.argv.includes(SERVER_FLAG)) await serverMain();

// ---- the clients ------------------------------------------------------------------------------

const next = <T extends FromServer['type']>(child: ChildProcess, type: T) => nextMessage<FromServer, T>(child, type);

type Outcome = Map<string, number>;
const count = (o: Outcome, k: string) => o.set(k, (o.get(k) ?? 0) + 1);

/** Checks each (user, code) over HTTP; outcomes by status. */
async function overHttp(port: number, checks: [string, string][]): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const out: Outcome = new Map();
  let i = 0;
  const one = ([user, code]: [string, string]) => new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ user, code });
    const req = request({
      host: '127.0.0.1', port, path: '/api/mfa/check', method: 'POST', agent,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      count(out, res.statusCode === 200 ? 'accepted' : `HTTP ${res.statusCode}`);
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (i < checks.length) await one(checks[i++]!); }));
  agent.destroy();
  return out;
}

/** Checks each (user, code) over RADIUS, one UDP socket per request in flight; outcomes by reply code. */
async function overRadius(port: number, checks: [string, string][]): Promise<Outcome> {
  const { ATTR, CODE, encodePacket, hidePassword, messageAuthenticator } = await import('@hwtotp/verifier/radius');
  const secret = Buffer.from(SECRET);
  const out: Outcome = new Map();
  let i = 0;
  const worker = async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    let id = 0;
    while (i < checks.length) {
      const [user, code] = checks[i++]!;
      const auth = randomBytes(16);
      const packet = encodePacket(CODE.AccessRequest, id = (id + 1) & 0xff, auth, [
        { type: ATTR.UserName, value: Buffer.from(user) },
        { type: ATTR.UserPassword, value: hidePassword(Buffer.from(code), secret, auth) },
        { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) },
      ]);
      messageAuthenticator(packet, packet.length - 16, secret).copy(packet, packet.length - 16);
      const reply = await new Promise<Buffer>((resolve) => {
        const resend = setInterval(() => socket.send(packet, port, '127.0.0.1'), 1000);
        socket.once('message', (m) => { clearInterval(resend); resolve(m); });
        socket.send(packet, port, '127.0.0.1');
      });
      count(out, reply[0] === CODE.AccessAccept ? 'accepted' : `code ${reply[0]}`);
    }
    socket.close();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

/** Runs the bench; prints the figures. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hwtotp-radius-bench-'));
  const clients = join(dir, 'clients');
  writeFileSync(clients, `127.0.0.1 ${SECRET}\n`);
  chmodSync(clients, 0o600);
  const seeds = Array.from({ length: 2 * USERS }, () => new Uint8Array(randomBytes(20)));
  const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    child.send({ type: 'setup', db: join(dir, 'bench.db'), clients, seeds: seeds.map(toHex) } satisfies ToServer);
    const { httpPort, radiusPort, setupMs } = await next(child, 'ready');
    console.log(`server: ${2 * USERS} users with an enabled token each, set up in ${(setupMs / 1000).toFixed(1)} s; ` +
      `${cpus().length} cores, clients and server in separate processes, ${CONCURRENCY} requests in flight`);
    const now = Math.floor(Date.now() / 1000);
    const checks = seeds.map((s, i): [string, string] => [`user${i}`, totp(nobleHmac, s, now)]);
    const http = checks.slice(0, USERS);
    const radius = checks.slice(USERS);
    await overHttp(httpPort, http.slice(0, WARMUP));
    await overRadius(radiusPort, radius.slice(0, WARMUP));

    const measure = async (label: string, fn: () => Promise<Outcome>, n: number) => {
      child.send({ type: 'cpu' } satisfies ToServer);
      const before = await next(child, 'cpu');
      const t0 = performance.now();
      const outcome = await fn();
      const seconds = (performance.now() - t0) / 1000;
      child.send({ type: 'cpu' } satisfies ToServer);
      const after = await next(child, 'cpu');
      const cpu = (after.user + after.system - before.user - before.system) / 1e6;
      if ((outcome.get('accepted') ?? 0) !== n) throw new Error(`${label}: expected ${n} accepted, got ${JSON.stringify([...outcome])}`);
      const wall = n / seconds;
      console.log(`${label.padEnd(34)} ${Math.round(wall).toLocaleString('en-US').padStart(7)} accepted checks/s  ` +
        `(server CPU ${(cpu / n * 1e6).toFixed(0)} µs/check = ${Math.round(n / cpu).toLocaleString('en-US')} per CPU-second)`);
      return { wall, perCpu: n / cpu };
    };
    const h = await measure('HTTP  (serve, /api/mfa/check)', () => overHttp(httpPort, http.slice(WARMUP)), USERS - WARMUP);
    const r = await measure('RADIUS (radius, PAP + Message-Auth.)', () => overRadius(radiusPort, radius.slice(WARMUP)), USERS - WARMUP);
    console.log(`RADIUS / HTTP: ${(r.wall / h.wall).toFixed(2)}× wall, ${(r.perCpu / h.perCpu).toFixed(2)}× per server CPU-second; ` +
      `RADIUS at least matches HTTP: ${r.perCpu >= h.perCpu ? 'yes' : 'NO'} (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
  } finally {
    child.send({ type: 'stop' } satisfies ToServer);
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
