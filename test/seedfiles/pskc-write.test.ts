/**
 * PSKC export: import(export(x)) = x for every vector, plain, with a pre-shared key and with a
 * password; the encrypted form decrypts by a straightforward node:crypto computation over a
 * different XML parse; the layout validates against the RFC 6030 XML Schema (pskctool, libpskc);
 * and an independent implementation (python-pskc's pskc2csv) reads what we write, while we read
 * what it writes (csv2pskc).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SeedFileError, readPskc, writePskc, type SeedRecord } from '@hwtotp/verifier/seedfiles';
import { parseXml, type XmlElement } from '../../verifier/src/seedfiles/xml.ts';
import { FIG6_PSK, FIG7_PASSWORD, fromHex, hex, vector } from './helpers.ts';

const PSK = fromHex('000102030405060708090a0b0c0d0e0f');
const FAST = { iterations: 1000 }; // PBKDF2 cost only matters for real exports

/** Every key of every vector file, plus TOTP keys that exercise each optional field. */
function allRecords(): SeedRecord[] {
  const out: SeedRecord[] = [];
  out.push(...readPskc(vector('rfc6030-figure2.pskcxml')).records);
  out.push(...readPskc(vector('rfc6030-figure3.pskcxml')).records);
  out.push(...readPskc(vector('rfc6030-figure6.pskcxml'), { psk: FIG6_PSK }).records);
  out.push(...readPskc(vector('rfc6030-figure7.pskcxml'), { password: FIG7_PASSWORD }).records);
  out.push(...readPskc(vector('rfc6030-figure10.pskcxml')).records);
  out.push(...readPskc(vector('feitian-totp-20120919-test001-4282.xml')).records);
  out.push({ serial: 'HW-SHA256-01', secret: new Uint8Array(32).fill(7), kind: 'totp', algorithm: 'SHA256', digits: 8, period: 30,
    t0: 1_700_000_000, driftSteps: -3, manufacturer: 'A & B <Co>', model: 'Pico "1"', issuer: "O'Brien" });
  out.push({ serial: 'HW-SHA512-01', secret: new Uint8Array(64).map((_, i) => i), kind: 'totp', algorithm: 'SHA512', digits: 7, period: 60,
    t0: 0, driftSteps: 12 });
  return out;
}

describe('PSKC round trip: readPskc(writePskc(x)) = x', () => {
  const records = allRecords();
  it('covers the vectors', () => expect(records.length).toBe(12));

  it('plain', () => {
    const doc = writePskc(records);
    const back = readPskc(doc);
    expect(back.protection).toBe('none');
    expect(back.records).toEqual(records);
  });

  it('with a pre-shared key', () => {
    const doc = writePskc(records, { psk: PSK });
    expect(doc).not.toContain('PlainValue>' + Buffer.from(records[0]!.secret).toString('base64'));
    const back = readPskc(doc, { psk: PSK });
    expect(back.protection).toBe('psk');
    expect(back.records).toEqual(records);
  });

  it('with a password', () => {
    const doc = writePskc(records, { password: 'correct horse', ...FAST });
    const back = readPskc(doc, { password: 'correct horse' });
    expect(back.protection).toBe('password');
    expect(back.records).toEqual(records);
    expect(() => readPskc(doc, { password: 'correct hose' })).toThrow(/wrong key or tampered file/);
  });

  it('each figure on its own, re-encrypted with the figure\'s own key', () => {
    const fig6 = readPskc(vector('rfc6030-figure6.pskcxml'), { psk: FIG6_PSK }).records;
    expect(readPskc(writePskc(fig6, { psk: FIG6_PSK }), { psk: FIG6_PSK }).records).toEqual(fig6);
    const fig7 = readPskc(vector('rfc6030-figure7.pskcxml'), { password: FIG7_PASSWORD }).records;
    expect(readPskc(writePskc(fig7, { password: FIG7_PASSWORD, ...FAST }), { password: FIG7_PASSWORD }).records).toEqual(fig7);
  });

  it('uses a fresh IV for every value and a fresh MAC key for every file', () => {
    const same = [records[1]!, { ...records[1]!, serial: 'other-serial' }];
    const a = writePskc(same, { psk: PSK });
    const b = writePskc(same, { psk: PSK });
    const cvs = (d: string) => [...d.matchAll(/<xenc:CipherValue>([^<]+)</g)].map((m) => m[1]);
    expect(new Set(cvs(a)).size).toBe(3);
    expect(cvs(a).filter((v) => cvs(b).includes(v))).toEqual([]);
  });

  it('refuses bad writer options', () => {
    expect(() => writePskc(records, { psk: fromHex('0011') })).toThrow(SeedFileError);
    expect(() => writePskc(records, { psk: PSK, password: 'x' })).toThrow(/not both/);
    expect(() => writePskc(records, { password: '' })).toThrow(/empty/);
  });
});

describe('an encrypted export, decrypted independently', () => {
  /** A plain object view from fast-xml-parser's own namespace stripping: a different parse from ours. */
  const other = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, isArray: (n) => n === 'KeyPackage' });
  const aesCbc = (key: Uint8Array, b64: string) => {
    const buf = Buffer.from(b64, 'base64');
    const d = createDecipheriv('aes-128-cbc', key, buf.subarray(0, 16));
    return Buffer.concat([d.update(buf.subarray(16)), d.final()]);
  };

  function decryptAll(doc: string, key: Uint8Array): { serial: string; secret: string }[] {
    const kc = other.parse(doc).KeyContainer;
    expect(kc['@Version']).toBe('1.0');
    // removeNSPrefix drops xmlns attributes, so check the declarations on the raw start tag.
    expect(doc).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<pskc:KeyContainer Version="1.0" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http:\/\/www.w3.org\/2000\/09\/xmldsig#" xmlns:xenc="http:\/\/www.w3.org\/2001\/04\/xmlenc#"/);
    expect(kc.MACMethod['@Algorithm']).toBe('http://www.w3.org/2000/09/xmldsig#hmac-sha1');
    expect(kc.MACMethod.MACKey.EncryptionMethod['@Algorithm']).toBe('http://www.w3.org/2001/04/xmlenc#aes128-cbc');
    const macKey = aesCbc(key, kc.MACMethod.MACKey.CipherData.CipherValue);
    expect(macKey).toHaveLength(20);
    return kc.KeyPackage.map((p: any) => {
      const s = p.Key.Data.Secret;
      expect(s.EncryptedValue.EncryptionMethod['@Algorithm']).toBe('http://www.w3.org/2001/04/xmlenc#aes128-cbc');
      const ct = Buffer.from(s.EncryptedValue.CipherData.CipherValue, 'base64');
      expect(createHmac('sha1', macKey).update(ct).digest('base64')).toBe(s.ValueMAC);
      return { serial: p.DeviceInfo.SerialNo, secret: aesCbc(key, s.EncryptedValue.CipherData.CipherValue).toString('hex') };
    });
  }

  const records = allRecords();
  const expected = records.map((r) => ({ serial: r.serial, secret: hex(r.secret) }));

  it('pre-shared key (RFC 6030 §6.1, Figure 6 layout)', () => {
    expect(decryptAll(writePskc(records, { psk: PSK }), PSK)).toEqual(expected);
  });

  it('password (RFC 6030 §6.2, Figure 7 layout): PBKDF2-HMAC-SHA1 with the written salt and count', () => {
    const doc = writePskc(records, { password: 'pw', ...FAST });
    const params = other.parse(doc).KeyContainer.EncryptionKey.DerivedKey.KeyDerivationMethod['PBKDF2-params'];
    expect(params.IterationCount).toBe('1000');
    expect(params.KeyLength).toBe('16');
    const salt = Buffer.from(params.Salt.Specified, 'base64');
    expect(salt).toHaveLength(16);
    expect(decryptAll(doc, pbkdf2Sync('pw', salt, 1000, 16, 'sha1'))).toEqual(expected);
  });
});

describe('layout', () => {
  const names = (el: XmlElement | undefined) => (el ? el.children.map((c) => c.local) : []);
  const find = (el: XmlElement, local: string) => el.children.find((c) => c.local === local)!;

  it('follows the element order of the RFC 6030 schema, every element in its namespace', () => {
    const root = parseXml(writePskc(allRecords(), { psk: PSK }));
    expect(root.ns).toBe('urn:ietf:params:xml:ns:keyprov:pskc');
    expect(names(root).slice(0, 3)).toEqual(['EncryptionKey', 'MACMethod', 'KeyPackage']);
    expect(find(root, 'EncryptionKey').children.map((c) => [c.ns, c.local])).toEqual([['http://www.w3.org/2000/09/xmldsig#', 'KeyName']]);
    const pkgs = root.children.filter((c) => c.local === 'KeyPackage');
    const rich = pkgs[10]!;
    expect(names(rich)).toEqual(['DeviceInfo', 'Key']);
    expect(names(find(rich, 'DeviceInfo'))).toEqual(['Manufacturer', 'SerialNo', 'Model']);
    const key = find(rich, 'Key');
    expect(names(key)).toEqual(['Issuer', 'AlgorithmParameters', 'Data']);
    expect(names(find(key, 'AlgorithmParameters'))).toEqual(['Suite', 'ResponseFormat']);
    expect(names(find(key, 'Data'))).toEqual(['Secret', 'Time', 'TimeInterval', 'TimeDrift']);
    expect(find(find(key, 'Data'), 'Secret').children.map((c) => [c.ns, c.local])).toEqual([
      ['urn:ietf:params:xml:ns:keyprov:pskc', 'EncryptedValue'], ['urn:ietf:params:xml:ns:keyprov:pskc', 'ValueMAC']]);
    const hotp = find(pkgs[0]!, 'Key');
    expect(names(find(hotp, 'Data'))).toEqual(['Secret', 'Counter']);
  });
});

describe('third-party PSKC tools (python-pskc, libpskc)', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hwtotp-pskc-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const records = allRecords();
  const expectedCsv = records.map((r) => [r.serial, hex(r.secret), String(r.digits)].join(','));

  it('pskctool validates every export against the RFC 6030 XML Schema', () => {
    for (const [name, doc] of [['plain.xml', writePskc(records)], ['psk.xml', writePskc(records, { psk: PSK })],
      ['pw.xml', writePskc(records, { password: 'pw', ...FAST })]]) {
      expect(run('pskctool', ['--validate', file(name!, doc!)]).trim()).toBe('OK');
    }
    // The check can fail: a document with Issuer after AlgorithmParameters does not validate.
    const swapped = writePskc(records.slice(1, 2)).replace(/(\s*<pskc:Issuer>[^<]*<\/pskc:Issuer>)([\s\S]*?<\/pskc:AlgorithmParameters>)/, '$2$1');
    expect(run('pskctool', ['--validate', file('bad.xml', swapped)]).trim()).toBe('FAIL');
  });

  it('python-pskc reads our plain, pre-shared-key and password exports', () => {
    const cols = ['-e', 'hex', '-c', 'serial,secret,response_length'];
    const lines = (out: string) => out.trim().split(/\r?\n/).slice(1);
    expect(lines(run('pskc2csv', [...cols, file('p.xml', writePskc(records))]))).toEqual(expectedCsv);
    expect(lines(run('pskc2csv', [...cols, '-s', hex(PSK), file('k.xml', writePskc(records, { psk: PSK }))]))).toEqual(expectedCsv);
    expect(lines(run('pskc2csv', [...cols, '-p', 'pw', file('w.xml', writePskc(records, { password: 'pw', ...FAST }))]))).toEqual(expectedCsv);
    const t = run('pskc2csv', ['-c', 'serial,time_interval,time_offset,time_drift,algorithm_suite', file('t.xml', writePskc(records.slice(10)))]);
    expect(lines(t)).toEqual(['HW-SHA256-01,30,1700000000,-3,HMAC-SHA256', 'HW-SHA512-01,60,0,12,HMAC-SHA512']);
  });

  it('python-pskc refuses our export with the wrong key (its MAC check agrees with ours)', () => {
    expect(() => run('pskc2csv', ['-s', '00'.repeat(16), file('k2.xml', writePskc(records, { psk: PSK }))])).toThrow();
  });

  it('we read what python-pskc writes, plain, with a pre-shared key and with a password', () => {
    const csv = file('in.csv', 'serial,secret,interval,digits\n' + records.filter((r) => r.kind === 'totp')
      .map((r) => [r.serial, hex(r.secret), r.period, r.digits].join(',')).join('\n') + '\n');
    const base = ['-e', 'hex', '--skip-rows', '1', '-c', 'serial,secret,time_interval,response_length', '-x', 'algorithm=urn:ietf:params:xml:ns:keyprov:pskc:totp', csv];
    const want = records.filter((r) => r.kind === 'totp').map((r) => [r.serial, hex(r.secret), r.period, r.digits]);
    const got = (doc: string, opts = {}) => readPskc(doc, opts).records.map((r) => [r.serial, hex(r.secret), r.period, r.digits]);
    expect(got(run('csv2pskc', base))).toEqual(want);
    expect(got(run('csv2pskc', ['-s', hex(PSK), ...base]), { psk: PSK })).toEqual(want);
    const pw = run('csv2pskc', ['-p', 'secret words', ...base]);
    expect(pw).toContain('xenc11:PBKDF2-params');
    expect(got(pw, { password: 'secret words' })).toEqual(want);
    expect(() => got(pw, { password: 'secret word' })).toThrow(/wrong key or tampered file/);
  });
});
