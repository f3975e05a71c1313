/**
 * `hwtotp radius` against FreeRADIUS's radclient (Debian freeradius-utils), a client nobody here
 * wrote: accepts, rejects with the reason, silence where the client or secret fails, a
 * Message-Authenticator in every reply (radclient checks it: a relay that alters one makes
 * radclient refuse the reply), and a lost reply whose retransmission is answered from the cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenRadius, type RunningRadius } from '@hwtotp/verifier/radius';
import { clients, radclient, registry, relay, type Registry } from './helpers.ts';

const SECRET = 'radclient-shared-secret-1';
const SIGNED = 'Message-Authenticator = 0x00';
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-radclient-'));
let reg: Registry;
let server: RunningRadius;
let strangers: RunningRadius;
let lenient: RunningRadius;
const drops: string[] = [];

beforeAll(async () => {
  reg = await registry(join(dir, 'r.db'), ['alice', 'bob', 'carol', 'dave'], { maxFailures: 2 });
  server = await listenRadius({
    verifier: reg.v, port: 0, clients: clients(dir, 'clients', `# the test NAS\n127.0.0.1 ${SECRET}\n`),
    onDrops: (s) => drops.push(JSON.stringify(s.counts)),
  });
  // The same registry, but 127.0.0.1 is nobody's address here.
  strangers = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'others', `10.0.0.0/8 ${SECRET}\n192.0.2.7 ${SECRET}\n`) });
  // A client that need not sign, as pam_radius_auth 2.0 cannot.
  lenient = await listenRadius({ verifier: reg.v, port: 0, clients: clients(dir, 'lenient', `127.0.0.1 ${SECRET} require-message-authenticator=no\n`) });
});
afterAll(async () => {
  await server?.close();
  await strangers?.close();
  await lenient?.close();
  await reg?.v.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (user: string, code: string, extra = SIGNED, secret = SECRET, port = server.port) =>
  radclient(port, secret, `User-Name = "${user}", User-Password = "${code}"${extra ? ', ' + extra : ''}`);
const lastAudit = async (user: string) => (await reg.v.audit({ user, action: 'check', limit: 1 }))[0];

describe('radclient gets check\'s verdict', () => {
  it('accepts the right code, with a Message-Authenticator in the reply, and writes the accepted audit row', async () => {
    reg.advance(30);
    const r = await ask('alice', reg.code('alice'));
    expect(r.code, r.output).toBe('Access-Accept');
    expect(r.messageAuthenticator).toMatch(/^0x[0-9a-f]{32}$/);
    expect(await lastAudit('alice')).toMatchObject({ outcome: 'accepted', reason: null, serial: 'RADTEST0000' });
  });

  it('rejects the same code again: "code already used", audited as a replay', async () => {
    const r = await ask('alice', reg.code('alice'));
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('code already used; wait for the next code');
    expect(r.messageAuthenticator).toMatch(/^0x[0-9a-f]{32}$/);
    expect(await lastAudit('alice')).toMatchObject({ outcome: 'refused', reason: 'replay' });
  });

  it('rejects a wrong code: "wrong code", and counts the failure', async () => {
    const wrong = String((Number(reg.code('bob', 1)) + 1) % 1e6).padStart(6, '0');
    const r = await ask('bob', wrong);
    expect([r.code, r.replyMessage]).toEqual(['Access-Reject', 'wrong code']);
    expect(r.messageAuthenticator).not.toBeNull();
    expect(await lastAudit('bob')).toMatchObject({ outcome: 'refused', reason: 'wrong-code' });
    expect((await reg.v.token('RADTEST0001')).failures).toBe(1);
  });

  it('rejects an unknown user: "no token" (a reject, not silence)', async () => {
    const r = await ask('nobody', '123456');
    expect([r.code, r.replyMessage]).toEqual(['Access-Reject', 'no token']);
    expect(r.messageAuthenticator).not.toBeNull();
    expect(await lastAudit('nobody')).toMatchObject({ outcome: 'refused', reason: 'no-token' });
  });

  it('rejects a locked token: "locked for N s", even with its right code', async () => {
    const wrong = String((Number(reg.code('carol', 1)) + 7) % 1e6).padStart(6, '0');
    expect((await ask('carol', wrong)).replyMessage).toBe('wrong code');
    // The second failure locks it (maxFailures 2): check reports the lock.
    expect((await ask('carol', wrong)).replyMessage).toBe('locked for 60 s after too many wrong codes');
    reg.advance(30);
    const r = await ask('carol', reg.code('carol'));
    expect([r.code, r.replyMessage]).toEqual(['Access-Reject', 'locked for 30 s after too many wrong codes']);
    expect(r.messageAuthenticator).not.toBeNull();
    expect(await lastAudit('carol')).toMatchObject({ outcome: 'refused', reason: 'locked' });
  });

  it('rejects a code of the wrong format with a reason', async () => {
    const r = await ask('bob', '12ab56');
    expect([r.code, r.replyMessage]).toEqual(['Access-Reject', 'wrong code format']);
  });
});

describe('silence where the client or the secret fails', () => {
  it('a wrong secret (its Message-Authenticator fails)', async () => {
    const before = server.stats.dropped['bad-message-authenticator'] ?? 0;
    const r = await ask('dave', reg.code('dave', 1), SIGNED, 'not-the-secret');
    expect(r.code, r.output).toBeNull();
    expect(r.output).toMatch(/No reply from server/);
    expect(server.stats.dropped['bad-message-authenticator']).toBe(before + 1);
  });

  it('no Message-Authenticator from a client whose line requires one', async () => {
    const before = server.stats.dropped['no-message-authenticator'] ?? 0;
    const r = await ask('dave', reg.code('dave', 1), '');
    expect(r.code, r.output).toBeNull();
    expect(server.stats.dropped['no-message-authenticator']).toBe(before + 1);
  });

  it('a wrong secret from a client that need not sign: the code does not reveal as text', async () => {
    const r = await ask('dave', reg.code('dave', 1), '', 'not-the-secret', lenient.port);
    expect(r.code, r.output).toBeNull();
    expect(lenient.stats.dropped['undecodable-password']).toBe(1);
    // The right secret unsigned is answered there (a reject for an unknown user: no code is spent).
    expect((await ask('nobody', '123456', '', SECRET, lenient.port)).replyMessage).toBe('no token');
  });

  it('an address no line covers, counted in the rate-limited drop log', async () => {
    const r = await ask('dave', reg.code('dave', 1), SIGNED, SECRET, strangers.port);
    expect(r.code, r.output).toBeNull();
    expect(strangers.stats.dropped['unknown-client']).toBe(1);
    expect(strangers.stats.accepted + strangers.stats.rejected).toBe(0);
    // None of the silent packets above was a check: dave's code is still unused.
    reg.advance(30);
    expect((await ask('dave', reg.code('dave'))).code).toBe('Access-Accept');
    expect(drops.join(' ')).toMatch(/bad-message-authenticator|no-message-authenticator/);
  });
});

describe('the reply\'s Message-Authenticator is checked by radclient', () => {
  it('radclient refuses a reply whose Message-Authenticator a relay altered', async () => {
    const r0 = await relay(server.port, (reply) => {
      const bad = Buffer.from(reply);
      expect(bad[20]).toBe(80); // Message-Authenticator, first
      bad[22]! ^= 1;
      return bad;
    });
    try {
      const r = await ask('nobody', '123456', SIGNED, SECRET, r0.port);
      expect(r.code, r.output).toBeNull();
      expect(r.output).toMatch(/invalid Message-Authenticator/);
    } finally {
      await r0.close();
    }
  });
});

describe('retransmission (RFC 5080 §2.2.2)', () => {
  it('a lost Access-Accept is answered again from the cache: accepted, not "code already used", one audit row', async () => {
    reg.advance(30);
    const audits = (await reg.v.audit({ user: 'alice', action: 'check' })).length;
    const checksBefore = server.stats.accepted + server.stats.rejected;
    const r0 = await relay(server.port, (reply, n) => (n === 0 ? null : reply));
    try {
      const r = await radclient(r0.port, SECRET, `User-Name = "alice", User-Password = "${reg.code('alice')}", ${SIGNED}`, { retries: 3, timeout: 1 });
      expect(r.code, r.output).toBe('Access-Accept');
      expect(r0.requests.length).toBe(2);
      expect(r0.requests[1]).toEqual(r0.requests[0]); // radclient resent the very same packet
    } finally {
      await r0.close();
    }
    expect(server.stats.retransmissions).toBe(1);
    expect(server.stats.accepted + server.stats.rejected).toBe(checksBefore + 1);
    const rows = await reg.v.audit({ user: 'alice', action: 'check' });
    expect(rows.length).toBe(audits + 1);
    expect(rows[0]).toMatchObject({ outcome: 'accepted' });
  });
});
