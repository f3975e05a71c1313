/**
 * `hwtotp radius` as an operator runs it: the --json listening line once the socket is bound, a
 * real answer to radclient, SIGTERM and SIGINT stopping it with exit 0, and a clear refusal of a bad
 * command line or clients file (a file others can write, a bad line).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openVerifier } from '@hwtotp/verifier';
import { main } from '@hwtotp/tools';
import { MASTER_KEY, radclient } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'hwtotp-radius-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'cli-shared-secret-0123';

function clientsFile(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['radius', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: { HWTOTP_MASTER_KEY: MASTER_KEY } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('bad input is refused before anything listens', () => {
  it('no --clients: usage error', async () => {
    const r = await run(['--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--clients is required/);
  });
  it('a clients file its group or anyone can write', async () => {
    for (const mode of [0o620, 0o602, 0o666]) {
      const r = await run(['--clients', clientsFile(`w${mode.toString(8)}`, `127.0.0.1 ${SECRET}\n`, mode), '--port', '0', '--db', join(dir, 'x.db')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is writable by (anyone|its group).*chmod 600/);
    }
  });
  it('a missing file, a bad line (named by number), an unknown option, a duplicate, an empty file', async () => {
    const cases: [string, RegExp][] = [
      [`127.0.0.1\n`, /line 1: 1 field/],
      [`# ok\n127.0.0.1 s\n300.1.1.1 s\n`, /line 3: "300\.1\.1\.1" is not an IPv4 or IPv6 address/],
      [`10.0.0.0/33 s\n`, /line 1: prefix \/33 is over \/32/],
      [`::1/129 s\n`, /prefix \/129 is over \/128/],
      [`127.0.0.1 s require-message-authenticator=yes\n`, /unknown option "require-message-authenticator=yes"/],
      [`127.0.0.1 a\n127.0.0.1/32 b\n`, /line 2: 127\.0\.0\.1\/32 is already listed on line 1/],
      [`# nothing\n\n`, /lists no client/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const r = await run(['--clients', clientsFile(`bad${i}`, text), '--port', '0', '--db', join(dir, 'x.db')]);
      expect(r.code, text).toBe(1);
      expect(r.err, text).toMatch(re);
    }
    const missing = await run(['--clients', join(dir, 'nope'), '--port', '0']);
    expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/cannot read the clients file .*nope/)]);
  });
  it('a --host that is not an IP address, a bad --port', async () => {
    const f = clientsFile('good', `127.0.0.1 ${SECRET}\n`);
    const h = await run(['--clients', f, '--host', 'localhost', '--port', '0', '--db', join(dir, 'h.db')]);
    expect([h.code, h.err]).toEqual([2, expect.stringMatching(/--host must be an IP address/)]);
    const p = await run(['--clients', f, '--port', '70000']);
    expect([p.code, p.err]).toEqual([2, expect.stringMatching(/--port must be from 0 to 65535/)]);
  });
});

/** Starts `hwtotp radius`, waits for its first stdout line, answers one radclient request, then sends `signal`. */
async function serveOnce(extra: string[], signal: NodeJS.Signals, moreClients = '') {
  const clients = clientsFile(`c-${signal}`, `127.0.0.1 ${SECRET}\n${moreClients}`);
  const db = join(dir, `${signal}.db`);
  await (await openVerifier({ db, env: { HWTOTP_MASTER_KEY: MASTER_KEY }, create: true })).close();
  const child = spawn(process.execPath, ['tools/bin/hwtotp.js', 'radius', '--port', '0', '--clients', clients, '--db', db, ...extra],
    { env: { ...process.env, HWTOTP_MASTER_KEY: MASTER_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const first = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line: ${out}${err}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(t); resolve(out.split('\n')[0]!); }
    });
  });
  const port = Number(/"port":(\d+)|port (\d+)/.exec(first)!.slice(1).find((x) => x !== undefined));
  const reply = await radclient(port, SECRET, 'User-Name = "nobody", User-Password = "123456", Message-Authenticator = 0x00');
  child.kill(signal);
  const code = await exited;
  return { first, reply, code, out, err };
}

describe('hwtotp radius runs, answers and stops', () => {
  it('--json: prints {"event":"listening",host,port} once bound; SIGTERM stops it cleanly', async () => {
    const r = await serveOnce(['--json'], 'SIGTERM');
    expect(JSON.parse(r.first)).toEqual({ event: 'listening', host: '127.0.0.1', port: expect.any(Number) });
    expect([r.reply.code, r.reply.replyMessage]).toEqual(['Access-Reject', 'no token']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(last).toMatchObject({ event: 'stopped', stats: { received: 1, rejected: 1, accepted: 0 } });
  });
  it('text output; a warning for a short secret; SIGINT stops it cleanly', async () => {
    const r = await serveOnce([], 'SIGINT', '10.9.9.9 shortone\n');
    expect(r.first).toMatch(/^hwtotp radius: listening on 127\.0\.0\.1 port \d+ \(UDP\) for 2 client lines$/);
    expect(r.err).toMatch(/warning: .*line 2: the secret of 10\.9\.9\.9 is 8 characters; use 16 or more/);
    expect(r.err).not.toContain('shortone');
    expect(r.reply.code).toBe('Access-Reject');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/stopped after 0 accepted, 1 rejected/);
  });
});
