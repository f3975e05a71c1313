/** The operator key's sources and file, its constant-time check, and the token buckets. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyChecker, RateLimiter, keyFileFor, resolveApiKey } from '@hwtotp/verifier/http';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hwtotp-key-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('resolveApiKey', () => {
  it('generates a 256-bit key once, stores it with mode 0600 beside the db, then reads it back', () => {
    const db = join(tmp(), 'r.db');
    const first = resolveApiKey(db, {});
    expect(first.source).toBe('generated');
    expect(first.file).toBe(keyFileFor(db));
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    const again = resolveApiKey(db, {});
    expect(again).toEqual({ key: first.key, source: 'file', file: first.file });
  });

  it('prefers $HWTOTP_API_KEY and writes no file', () => {
    const db = join(tmp(), 'r.db');
    const k = resolveApiKey(db, { HWTOTP_API_KEY: 'from-the-environment-123' });
    expect(k).toEqual({ key: 'from-the-environment-123', source: 'env' });
    expect(() => statSync(keyFileFor(db))).toThrow();
  });

  it('refuses a short key from the environment, naming the variable', () => {
    expect(() => resolveApiKey(join(tmp(), 'r.db'), { HWTOTP_API_KEY: 'short' })).toThrow(/HWTOTP_API_KEY: the API key must be at least 16 characters, got 5/);
  });

  it('refuses a key file others can read, saying how to fix it', () => {
    const db = join(tmp(), 'r.db');
    writeFileSync(keyFileFor(db), 'a-key-that-is-long-enough\n');
    chmodSync(keyFileFor(db), 0o644);
    expect(() => resolveApiKey(db, {})).toThrow(/readable by others \(mode 644\); run: chmod 600/);
    chmodSync(keyFileFor(db), 0o600);
    expect(resolveApiKey(db, {}).key).toBe('a-key-that-is-long-enough');
    expect(readFileSync(keyFileFor(db), 'utf8')).toBe('a-key-that-is-long-enough\n');
  });
});

describe('KeyChecker', () => {
  const c = new KeyChecker('the-right-key-0123456789');
  it('accepts exactly Bearer + the key', () => {
    expect(c.matches('Bearer the-right-key-0123456789')).toBe(true);
    expect(c.matches('BEARER the-right-key-0123456789')).toBe(true);
  });
  it('refuses everything else', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'the-right-key-0123456789', 'Basic the-right-key-0123456789',
      'Bearer the-right-key-012345678', 'Bearer the-right-key-01234567890', 'Bearer the-right-key-0123456789 extra']) {
      expect(c.matches(h), String(h)).toBe(false);
    }
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then one per refill interval, with the wait in whole seconds', () => {
    const clock = { ms: 0 };
    const r = new RateLimiter({ capacity: 3, perSecond: 0.25 }, () => clock.ms);
    expect([r.take('a'), r.take('a'), r.take('a')].every((t) => t.ok)).toBe(true);
    expect(r.take('a')).toEqual({ ok: false, retryAfter: 4 });
    clock.ms += 3000;
    expect(r.take('a')).toEqual({ ok: false, retryAfter: 1 });
    clock.ms += 1000;
    expect(r.take('a').ok).toBe(true);
    expect(r.take('b').ok).toBe(true);
  });

  it('keeps memory bounded by forgetting refilled buckets first', () => {
    const clock = { ms: 0 };
    const r = new RateLimiter({ capacity: 2, perSecond: 1 }, () => clock.ms, 100);
    for (let i = 0; i < 100; i++) r.take(`k${i}`);
    clock.ms += 5000; // all refilled
    r.take('busy');
    expect(r.size).toBe(1);
    for (let i = 0; i < 1000; i++) r.take(`x${i}`); // all busy: the oldest half goes
    expect(r.size).toBeLessThanOrEqual(100);
  });

  it('refuses nonsense limits', () => {
    expect(() => new RateLimiter({ capacity: 0, perSecond: 1 })).toThrow(/capacity must be at least 1, got 0/);
    expect(() => new RateLimiter({ capacity: 1, perSecond: 0 })).toThrow(/refill must be above 0/);
  });
});
