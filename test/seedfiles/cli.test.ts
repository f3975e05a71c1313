/**
 * `hwtotp import` and `hwtotp export` against a real SQLite registry file: every refused import
 * leaves the registry byte-for-byte the same in content (all tables dumped and compared), and
 * exports in every format import back to the same tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { base32Encode, nobleHmac, totp } from '@hwtotp/protocol/host';
import { openVerifier } from '@hwtotp/verifier';
import { VECTORS, vector } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hwtotp-seedcli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const path = (name: string) => join(dir, name);
const put = (name: string, text: string | Buffer) => { writeFileSync(path(name), text); return path(name); };

async function hwtotp(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain({}, argv);
}

/** Every row of every table, so "unchanged" means unchanged, audit log included. */
function dump(db: string): string {
  const conn = new Database(db, { readonly: true });
  try {
    const tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    return JSON.stringify(tables.map((t) => [t.name, conn.prepare(`SELECT * FROM "${t.name}"`).raw().all()]), (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v);
  } finally {
    conn.close();
  }
}

const S = (n: number) => base32Encode(new Uint8Array(20).fill(n));
const CSV2 = 'serial,secret,period,digits,manufacturer,model\nHW0000001,' + S(1) + ',30,6,Acme,Pico\nHW0000002,' + S(2) + ',60,8,,\n';

describe('import refusals leave the registry unchanged', () => {
  let db: string;
  let before: string;
  const MARKER = 'XXE-CLI-MARKER-5e1d';
  beforeAll(async () => {
    db = path('reg.db');
    const r = await hwtotp('import', put('two.csv', CSV2), '--db', db);
    expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/^imported 2 token\(s\) from .*two\.csv \(CSV, not encrypted\)$/) });
    before = dump(db);
    expect(before).toContain('HW0000002');
    put('marker.txt', MARKER);
  });

  const feitian = vector('feitian-totp-20120919-test001-4282.xml').toString('utf8');
  const fig6 = vector('rfc6030-figure6.pskcxml').toString('utf8');
  const feitianTotp = feitian.replace(/<KeyPackage>\s*<DeviceInfo>\s*<Manufacturer>[^<]*<\/Manufacturer>\s*<SerialNo>1000117803294[\s\S]*?<\/KeyPackage>/, '');
  const cases: [string, () => string[], RegExp][] = [
    ['malformed XML', () => [put('m.xml', feitian.replace('</Data>', '</Date>'))], /InvalidSeedFile: malformed XML at line \d+/],
    ['XXE', () => [put('x.xml', feitianTotp.replace('<KeyContainer', '<!DOCTYPE KeyContainer [<!ENTITY x SYSTEM "file://' + path('marker.txt') + '">]><KeyContainer')
      .replace('<Manufacturer>FeiTian Technology Co.,Ltd</Manufacturer>', '<Manufacturer>&x;</Manufacturer>'))], /DOCTYPE declaration at line \d+ refused/],
    ['billion laughs', () => [put('b.xml', feitianTotp.replace('<KeyContainer', '<!DOCTYPE K [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><KeyContainer')
      .replace('<Manufacturer>FeiTian Technology Co.,Ltd</Manufacturer>', '<Manufacturer>&c;</Manufacturer>'))], /DOCTYPE/],
    ['unknown algorithm', () => [put('u.xml', feitianTotp.replace('pskc:totp', 'pskc:ocra'))], /key 1 \(serial 2600215704919\): unknown algorithm/],
    ['wrong PSK', () => [join(VECTORS, 'rfc6030-figure6.pskcxml'), '--psk', '12345678901234567890123456789013'], /wrong key or tampered file/],
    ['wrong password', () => [join(VECTORS, 'rfc6030-figure7.pskcxml'), '--password', 'qwertz'], /wrong key or tampered file/],
    ['tampered ciphertext', () => [put('t.xml', fig6.replace('lef1VmNPCMl8jw', 'lef1VmNPCMl8jx')), '--psk', '12345678901234567890123456789012'], /ValueMAC does not match/],
    ['HOTP keys (RFC 6030 Figure 6, correctly decrypted)', () => [join(VECTORS, 'rfc6030-figure6.pskcxml'), '--psk', '12345678901234567890123456789012'], /key 1 \(serial 987654321\): is an HOTP/],
    ['HOTP key beside a good TOTP key (Feitian, without --skip-hotp)', () => [join(VECTORS, 'feitian-totp-20120919-test001-4282.xml')], /key 2 \(serial 1000117803294\): is an HOTP/],
    ['duplicate within the file', () => [put('d.csv', 'serial,secret\nHW0000009,' + S(9) + '\nHW0000008,' + S(8) + '\nHW0000009,' + S(7) + '\n')], /serial HW0000009 appears 2 times \(keys 1, 3\)/],
    ['duplicate against the registry (a good key beside it is not imported either)', () => [put('r.csv', 'serial,secret\nHW0000003,' + S(3) + '\nHW0000002,' + S(2) + '\n')], /key 2 \(serial HW0000002\): serial is already in the registry/],
    ['CSV errors', () => [put('e.csv', 'serial,secret,digits\nHW0000004,' + S(4) + ',6\nHW0000005,' + S(5) + ',12\n')], /line 3, column digits: must be an integer from 6 to 8/],
    ['a key too short for RFC 4226', () => [put('s.csv', 'serial,secret\nHW0000006,' + base32Encode(new Uint8Array(10)) + '\n')], /secret is 10 bytes; it must be 16 to 128/],
  ];

  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await hwtotp('import', ...args(), '--db', db);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^hwtotp import: InvalidSeedFile: /);
      expect(r.err).toMatch(message);
      expect(r.out + r.err).not.toContain(MARKER);
      const after = dump(db);
      expect(after).toBe(before);
      expect(after).not.toContain(Buffer.from(MARKER).toString('hex'));
    });
  }

  it('a refused import does not even create a registry that did not exist', async () => {
    const fresh = path('never.db');
    const r = await hwtotp('import', join(VECTORS, 'rfc6030-figure3.pskcxml'), '--db', fresh);
    expect(r.code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(fresh + '.key')).toBe(false);
  });

  it('--json prints the refusal with every problem', async () => {
    const r = await hwtotp('import', join(VECTORS, 'rfc6030-figure10.pskcxml'), '--db', db, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ error: 'InvalidSeedFile', reason: 'refused-keys' });
    expect(j.problems).toHaveLength(4); // one per HOTP key; refused keys are not checked for duplicates as well
    expect(j.problems[3]).toMatch(/^key 4 \(serial 9999999\): is an HOTP/);
    expect(dump(db)).toBe(before);
  });

  it('usage errors exit 2', async () => {
    expect((await hwtotp('import', '--db', db)).code).toBe(2);
    expect((await hwtotp('import', path('missing.xml'), '--db', db)).err).toMatch(/cannot read ".*missing\.xml": ENOENT/);
    expect((await hwtotp('import', join(VECTORS, 'rfc6030-figure6.pskcxml'), '--psk', 'xyz', '--db', db)).err).toMatch(/--psk: the pre-shared key must be hex digits/);
    expect((await hwtotp('import', join(VECTORS, 'rfc6030-figure6.pskcxml'), '--psk', '00'.repeat(16), '--password', 'p', '--db', db)).code).toBe(2);
    expect((await hwtotp('export', '--format', 'xml', '--db', db)).code).toBe(2);
    expect((await hwtotp('export', '--format', 'csv', '--psk', '00'.repeat(16), '--db', db)).err).toMatch(/CSV cannot be encrypted/);
    expect(dump(db)).toBe(before);
  });
});

describe('import and export round trips through real registries', () => {
  let src: string;
  beforeAll(async () => {
    src = path('src.db');
    expect((await hwtotp('import', put('src.csv', CSV2), '--db', src)).code).toBe(0);
    const f = await hwtotp('import', join(VECTORS, 'feitian-totp-20120919-test001-4282.xml'), '--skip-hotp', '--db', src);
    expect(f.code).toBe(0);
    expect(f.out).toBe('imported 1 token(s) from ' + join(VECTORS, 'feitian-totp-20120919-test001-4282.xml') +
      ' (PSKC, not encrypted)\nskipped key 2 (serial 1000117803294): is an HOTP (counter-based) key; this registry holds TOTP keys only');
  });

  const csvOf = async (db: string) => {
    const r = await hwtotp('export', '--format', 'csv', '--db', db);
    expect(r.code).toBe(0);
    return r.out;
  };

  it('CSV export holds the tokens, secrets in base32', async () => {
    const csv = await csvOf(src);
    expect(csv.split('\r\n')).toEqual([
      'serial,secret,period,digits,manufacturer,model',
      '2600215704919,' + base32Encode(Buffer.from('zSK3gP/9LVNpaAfs039ATa45MnA=', 'base64')) + ',60,6,"FeiTian Technology Co.,Ltd",',
      'HW0000001,' + S(1) + ',30,6,Acme,Pico',
      'HW0000002,' + S(2) + ',60,8,,',
    ]);
  });

  const formats: [string, string[], string[]][] = [
    ['csv', ['--format', 'csv'], []],
    ['pskc plain', ['--format', 'pskc'], []],
    ['pskc with a pre-shared key', ['--format', 'pskc', '--psk', '0f'.repeat(16)], ['--psk', '0f'.repeat(16)]],
    ['pskc with a password', ['--format', 'pskc', '--password', 'export pw', '--iterations', '2000'], ['--password', 'export pw']],
  ];
  for (const [name, exportArgs, importArgs] of formats) {
    it(`export(${name}) then import gives the same registry tokens`, async () => {
      const file = path(name.replace(/\W+/g, '-') + '.out');
      const ex = await hwtotp('export', ...exportArgs, '--db', src, '--output', file);
      expect(ex.code).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const dst = path(name.replace(/\W+/g, '-') + '.db');
      const im = await hwtotp('import', file, ...importArgs, '--db', dst);
      expect(im).toMatchObject({ code: 0, out: expect.stringMatching(/^imported 3 token\(s\)/) });
      expect(await csvOf(dst)).toBe(await csvOf(src));
      if (importArgs.length) expect(readFileSync(file, 'utf8')).not.toContain(Buffer.from(new Uint8Array(20).fill(1)).toString('base64'));
    });
  }

  it('--serial exports only the tokens named; --output never overwrites', async () => {
    const r = await hwtotp('export', '--format', 'csv', '--serial', 'HW0000002', '--serial', '2600215704919', '--db', src);
    expect(r.out.split('\r\n').map((l) => l.split(',')[0])).toEqual(['serial', 'HW0000002', '2600215704919']); // in the order named
    expect(r.err).toMatch(/plain text/);
    expect((await hwtotp('export', '--format', 'csv', '--serial', 'NOSUCH0001', '--db', src)).err).toMatch(/NoSuchEntity/);
    const again = await hwtotp('export', '--format', 'csv', '--db', src, '--output', path('csv.out'));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists; export never overwrites/);
  });

  it('--password-file on both sides, --dry-run writes nothing, --json reports the import', async () => {
    const pw = put('pw.txt', 'from a file\nsecond line ignored\n');
    const file = path('pwfile.xml');
    expect((await hwtotp('export', '--format', 'pskc', '--password-file', pw, '--iterations', '1000', '--db', src, '--output', file)).code).toBe(0);
    expect((await hwtotp('import', file, '--password', 'from a file', '--dry-run', '--db', path('dry.db'))).out)
      .toMatch(/^dry run: 3 token\(s\) in .* \(PSKC, encrypted with a password\) can be imported; nothing was written$/);
    expect(existsSync(path('dry.db'))).toBe(false);
    const r = await hwtotp('import', file, '--password-file', pw, '--json', '--db', path('pwfile.db'));
    expect(JSON.parse(r.out)).toEqual({ imported: 3, checked: 3, dryRun: false, format: 'pskc', protection: 'password',
      serials: ['2600215704919', 'HW0000001', 'HW0000002'], skipped: [] });
    expect(await csvOf(path('pwfile.db'))).toBe(await csvOf(src));
  });

  it('an imported Feitian token enables with two consecutive codes from its seed (period 60 kept)', async () => {
    const v = await openVerifier({ db: src, env: {} });
    try {
      const key = new Uint8Array(Buffer.from('zSK3gP/9LVNpaAfs039ATa45MnA=', 'base64'));
      const now = Math.floor(Date.now() / 1000);
      const c1 = totp(nobleHmac, key, now - 60, { period: 60 });
      const c2 = totp(nobleHmac, key, now, { period: 60 });
      await expect(v.enable('alice', 'feitian', '2600215704919', c1, c2)).resolves.toMatchObject({ serial: '2600215704919' });
    } finally {
      await v.close();
    }
  });
});

describe('TimeDrift', () => {
  // A token whose clock runs 40 steps (20 minutes) ahead, as its vendor measured and wrote in the file.
  const secret = new Uint8Array(20).map((_, i) => i * 7 + 1);
  const csv = `serial,secret,period,digits,manufacturer,model,drift\nHWDRIFT001,${base32Encode(secret)},30,6,Acme,T1,40\n`;

  it('is carried into the registry, centres enable on it, and comes back out in PSKC exports', async () => {
    const db = path('drift.db');
    expect((await hwtotp('import', put('drift.csv', csv), '--db', db)).code).toBe(0);
    const nowMs = Date.now();
    const v = await openVerifier({ db, env: {}, now: () => nowMs });
    try {
      expect((await v.token('HWDRIFT001')).driftSteps).toBe(40);
      // Two consecutive codes from the token's own (fast) clock: 40 steps ahead is far outside the
      // ±10-step enrollment window around the server's time, so only the carried drift finds them.
      const t = Math.floor(nowMs / 1000) + 40 * 30;
      const code1 = totp(nobleHmac, secret, t - 30);
      const code2 = totp(nobleHmac, secret, t);
      await v.enable('ann', 'desk token', 'HWDRIFT001', code1, code2);
      const info = await v.token('HWDRIFT001');
      expect(Math.abs(info.driftSteps - 40)).toBeLessThanOrEqual(1);
    } finally {
      await v.close();
    }
    const back = await hwtotp('export', '--format', 'pskc', '--serial', 'HWDRIFT001', '--db', db);
    expect(back.code).toBe(0);
    expect(back.out).toMatch(/<pskc:TimeDrift>\s*<pskc:PlainValue>4[01]<\/pskc:PlainValue>/);
    // CSV keeps its six columns (verifier/src/seedfiles/README.md): the drift goes out in PSKC only.
    const again = await hwtotp('export', '--format', 'csv', '--db', db);
    expect(again.out.split(/\r?\n/)[0]).toBe('serial,secret,period,digits,manufacturer,model');
    expect(again.out).toMatch(/HWDRIFT001,[A-Z2-7]+,30,6,Acme,T1(\r?\n|$)/);
  });

  it('without the carried drift, the same codes are refused as a far-off clock', async () => {
    const db = path('nodrift.db');
    expect((await hwtotp('import', put('nodrift.csv', csv.replace(',40\n', ',0\n')), '--db', db)).code).toBe(0);
    const nowMs = Date.now();
    const v = await openVerifier({ db, env: {}, now: () => nowMs });
    try {
      const t = Math.floor(nowMs / 1000) + 40 * 30;
      await expect(v.enable('ann', 'desk token', 'HWDRIFT001', totp(nobleHmac, secret, t - 30), totp(nobleHmac, secret, t)))
        .rejects.toMatchObject({ name: 'ClockSkew' });
    } finally {
      await v.close();
    }
  });
});
