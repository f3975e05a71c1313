/** The clients file lookup, the rate-limited drop log and the reply cache, each on its own. */
import { describe, expect, it } from 'vitest';
import { RadiusClients, ReplyCache, formatDrops, type DropSummary } from '@hwtotp/verifier/radius';
import { DropLog } from '../../verifier/src/radius/drop-log.ts';

describe('clients file lookup', () => {
  const c = RadiusClients.parse([
    '10.0.0.0/8      wide-secret            # the whole office',
    '10.1.2.3        host-secret require-message-authenticator=no',
    '2001:db8::/32   v6-secret',
    '  # a comment line, and a blank one', '',
  ].join('\n'));
  it('takes the longest prefix that covers the address', () => {
    expect(c.lookup('10.1.2.3')?.secret.toString()).toBe('host-secret');
    expect(c.lookup('10.1.2.3')?.requireMessageAuthenticator).toBe(false);
    expect(c.lookup('10.9.9.9')?.secret.toString()).toBe('wide-secret');
    expect(c.lookup('10.9.9.9')?.requireMessageAuthenticator).toBe(true);
    expect(c.lookup('2001:db8:1::5')?.secret.toString()).toBe('v6-secret');
  });
  it('reads an IPv4-mapped IPv6 source as IPv4', () => {
    expect(c.lookup('::ffff:10.1.2.3')?.secret.toString()).toBe('host-secret');
  });
  it('warns about a secret under 16 characters, naming the line but not the secret', () => {
    const w = RadiusClients.parse('10.0.0.1 short-secret\n10.0.0.2 a-secret-of-enough-length\n').warnings;
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/line 1: the secret of 10\.0\.0\.1 is 12 characters; use 16 or more/);
    expect(w[0]).not.toContain('short-secret');
  });
  it('covers nobody else', () => {
    for (const a of ['11.0.0.1', '127.0.0.1', '2001:db9::1', '::1', 'not-an-address']) expect(c.lookup(a), a).toBeUndefined();
  });
});

describe('the drop log rate-limits itself', () => {
  it('reports the first drop at once, then one summary per interval', async () => {
    let now = 1_000_000;
    const lines: DropSummary[] = [];
    const log = new DropLog((s) => lines.push(structuredClone(s)), 10_000, () => now);
    log.note('unknown-client', '192.0.2.1');
    expect(lines).toHaveLength(1);
    for (let i = 0; i < 10_000; i++) log.note('unknown-client', `192.0.2.${i % 200}`);
    log.note('attribute-overrun', '10.0.0.9');
    expect(lines).toHaveLength(1);
    now += 10_000;
    log.note('unknown-client', '192.0.2.77');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ seconds: 10, counts: { 'unknown-client': 10_001, 'attribute-overrun': 1 }, lastFrom: { 'unknown-client': '192.0.2.77', 'attribute-overrun': '10.0.0.9' } });
    expect(formatDrops(lines[1]!)).toBe('dropped 10002 packets in the last 10 s: 10001 unknown-client (last from 192.0.2.77), 1 attribute-overrun (last from 10.0.0.9)');
    log.flush();
    expect(lines).toHaveLength(2); // nothing pending
  });
});

describe('the reply cache (RFC 5080 §2.2.2)', () => {
  it('answers only the identical packet under its key, until it expires', async () => {
    let now = 0;
    const cache = new ReplyCache(30_000, 100, () => now);
    const req = Buffer.from('request-octets');
    const key = ReplyCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16, 1));
    cache.set(key, req, Promise.resolve(Buffer.from('reply')));
    expect(await cache.get(key, req)).toEqual(Buffer.from('reply'));
    expect(cache.get(key, Buffer.from('request-octetz'))).toBeUndefined();
    expect(cache.get(ReplyCache.key('10.0.0.1', 1646, 7, Buffer.alloc(16, 1)), req)).toBeUndefined();
    now = 30_001;
    expect(cache.get(key, req)).toBeUndefined();
  });
  it('keeps at most its limit, dropping the oldest', () => {
    const cache = new ReplyCache(30_000, 3, () => 0);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, Buffer.from([i]), Promise.resolve(null));
    expect(cache.size).toBe(3);
    expect(cache.get('k9', Buffer.from([9]))).toBeDefined();
    expect(cache.get('k0', Buffer.from([0]))).toBeUndefined();
  });
});
