/**
 * Hostile and broken PSKC input: every case is refused with a SeedFileError whose reason and message
 * say what is wrong, and no message ever carries key material.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeedFileError, readPskc, type PskcReadOptions, type SeedFileReason } from '@hwtotp/verifier/seedfiles';
import { FIG6_PSK, FIG7_PASSWORD, fromHex, vector } from './helpers.ts';

/** Reads and returns the SeedFileError, failing the test if the input was accepted. */
function refusal(input: string | Uint8Array, opts: PskcReadOptions = {}): SeedFileError {
  try {
    readPskc(input, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SeedFileError);
    return e as SeedFileError;
  }
  throw new Error('the input was accepted');
}

function expectRefused(input: string | Uint8Array, reason: SeedFileReason, message: RegExp, opts: PskcReadOptions = {}): SeedFileError {
  const e = refusal(input, opts);
  expect(e.reason).toBe(reason);
  expect(e.message).toMatch(message);
  expect(e.name).toBe('InvalidSeedFile');
  return e;
}

const fig3 = vector('rfc6030-figure3.pskcxml').toString('utf8');
const fig6 = vector('rfc6030-figure6.pskcxml').toString('utf8');
const fig7 = vector('rfc6030-figure7.pskcxml').toString('utf8');
/** Secrets of the figures in the encodings a leaky message might use. */
const SECRET_FORMS = ['12345678901234567890', '3132333435363738393031323334353637383930', 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'];

describe('XML attacks', () => {
  let dir: string;
  const MARKER = 'XXE-MARKER-' + process.pid + '-7f3a';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hwtotp-xxe-'));
    writeFileSync(join(dir, 'secret.txt'), MARKER);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withDoctype = (doctype: string, issuer: string) =>
    fig3.replace('<KeyContainer', doctype + '\n<KeyContainer').replace('<Issuer>Issuer</Issuer>', '<Issuer>' + issuer + '</Issuer>');

  it('refuses an external entity (XXE) without reading the file it names', () => {
    const file = join(dir, 'secret.txt');
    const doc = withDoctype('<!DOCTYPE KeyContainer [<!ENTITY xxe SYSTEM "file://' + file + '">]>', '&xxe;');
    const e = expectRefused(doc, 'forbidden', /DOCTYPE declaration at line \d+ refused/);
    expect(e.message).not.toContain(MARKER);
    expect(JSON.stringify(e)).not.toContain(MARKER);
  });

  it('never opens a file an entity names: a FIFO that would block any reader does not', () => {
    // Opening a FIFO for reading blocks until a writer appears, so any attempt would hang this test.
    const doc = withDoctype('<!DOCTYPE KeyContainer [<!ENTITY xxe SYSTEM "' + join(dir, 'fifo') + '">]>', '&xxe;');
    const t = Date.now();
    expectRefused(doc, 'forbidden', /DOCTYPE/);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('refuses a parameter entity and an external DTD', () => {
    expectRefused(withDoctype('<!DOCTYPE KeyContainer SYSTEM "file://' + join(dir, 'secret.txt') + '">', 'x'), 'forbidden', /DOCTYPE/);
    expectRefused(withDoctype('<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', 'x'), 'forbidden', /DOCTYPE/);
  });

  it('refuses billion laughs quickly, without expanding anything', () => {
    let ents = '<!ENTITY lol0 "lol">';
    for (let i = 1; i <= 9; i++) ents += '<!ENTITY lol' + i + ' "' + ('&lol' + (i - 1) + ';').repeat(10) + '">';
    const t = Date.now();
    expectRefused(withDoctype('<!DOCTYPE KeyContainer [' + ents + ']>', '&lol9;'), 'forbidden', /DOCTYPE.*entity-expansion/);
    expect(Date.now() - t).toBeLessThan(500);
  });

  it('refuses a reference to an entity that was never declared', () => {
    expectRefused(fig3.replace('<Issuer>Issuer</Issuer>', '<Issuer>&xxe;</Issuer>'), 'forbidden', /entity reference "&xxe;" refused/);
    expectRefused(fig3.replace('Algorithm="urn', 'Algorithm="&ext;urn'), 'forbidden', /"&ext;"/);
  });

  it('still decodes the predefined entities and character references', () => {
    const { records } = readPskc(fig3.replace('<Manufacturer>Manufacturer</Manufacturer>', '<Manufacturer>A&amp;B &#x3C;&#62; &quot;C&apos;</Manufacturer>'));
    expect(records[0]!.manufacturer).toBe('A&B <> "C\'');
  });

  it('refuses input over the size limit before parsing it', () => {
    expectRefused(fig3, 'too-large', /more than the limit of 100/, { maxBytes: 100 });
  });
});

describe('malformed documents', () => {
  it('refuses XML that is not well formed, naming the line', () => {
    expectRefused(fig3.replace('</Issuer>', '</Issuer2>'), 'malformed', /malformed XML at line \d+, column \d+/);
    expectRefused(fig3.slice(0, 400), 'malformed', /malformed XML/);
    expectRefused('', 'malformed', /malformed XML|root element/);
    expectRefused('not xml at all', 'malformed', /malformed XML/);
  });

  it('refuses bytes that are not UTF-8 and other declared encodings, rather than mangling names', () => {
    const bytes = Buffer.from(fig3.replace('<Manufacturer>Manufacturer</Manufacturer>', '<Manufacturer>Caf\u00e9</Manufacturer>'), 'latin1');
    expectRefused(bytes, 'malformed', /not valid UTF-8/);
    expectRefused(fig3.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'unsupported', /encoding "ISO-8859-1"; only UTF-8/);
    const utf8 = Buffer.from(fig3.replace('<Manufacturer>Manufacturer</Manufacturer>', '<Manufacturer>Caf\u00e9</Manufacturer>'), 'utf8');
    expect(readPskc(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])).records[0]!.manufacturer).toBe('Caf\u00e9');
  });

  it('refuses two root elements', () => {
    expectRefused(fig3 + '<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"/>', 'malformed', /exactly one root element, found 2/);
  });

  it('refuses a document that is not PSKC, whatever its element names', () => {
    expectRefused(fig3.replace('urn:ietf:params:xml:ns:keyprov:pskc"', 'urn:example:other"'), 'malformed', /not a PSKC document.*urn:example:other/);
    expectRefused('<a/>', 'malformed', /not a PSKC document/);
  });

  it('refuses an undeclared prefix and an unknown Version', () => {
    expectRefused(fig3.replace('<Issuer>Issuer</Issuer>', '<x:Issuer>Issuer</x:Issuer>'), 'malformed', /undeclared namespace prefix "x"/);
    expectRefused(fig3.replace('Version="1.0"', 'Version="2.0"'), 'unsupported', /Version "2.0"/);
  });

  it('names the key and the field for bad values', () => {
    expectRefused(fig3.replace('Length="8"', 'Length="9"'), 'invalid-value', /key 1 \(serial 987654321\): ResponseFormat Length must be from 6 to 8, got "9"/);
    expectRefused(fig3.replace('Encoding="DECIMAL"', 'Encoding="HEXADECIMAL"'), 'unsupported', /key 1 .*Encoding "HEXADECIMAL"/);
    expectRefused(fig3.replace('MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=', 'MTIz*DU2Nzg5MDEyMzQ1Njc4OTA='), 'invalid-value', /key 1 .*Secret PlainValue is not valid base64/);
    // Non-zero padding bits: Buffer.from would drop them silently, a strict reader must not.
    expectRefused(fig3.replace('MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=', 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTB='), 'invalid-value', /Secret PlainValue is not valid base64/);
    expectRefused(fig3.replace('<PlainValue>0</PlainValue>', '<PlainValue>zero</PlainValue>'), 'invalid-value', /key 1 .*Counter must be an integer/);
    expectRefused(fig3.replace(/<Secret>[\s\S]*<\/Secret>/, ''), 'invalid-value', /key 1 .*has no Data\/Secret/);
  });

  it('lists every bad key in one error', () => {
    const fig10 = vector('rfc6030-figure10.pskcxml').toString('utf8');
    const e = expectRefused(fig10.replace(/Length="8"/g, 'Length="5"'), 'invalid-value', /4 keys are bad/);
    expect(e.problems).toHaveLength(4);
    expect(e.problems[3]).toMatch(/^key 4 \(serial 9999999\): ResponseFormat Length/);
  });
});

describe('algorithms', () => {
  it('refuses an unknown OTP algorithm URI, naming it and the key', () => {
    expectRefused(fig3.replace('keyprov:pskc:hotp', 'keyprov:pskc:ocra'), 'unsupported', /key 1 \(serial 987654321\): unknown algorithm "urn:ietf:params:xml:ns:keyprov:pskc:ocra"/);
  });

  it('refuses an unknown hash suite and reads the known ones', () => {
    const withSuite = (s: string) => fig3.replace('<ResponseFormat', '<Suite>' + s + '</Suite><ResponseFormat');
    expectRefused(withSuite('HMAC-MD5'), 'unsupported', /unknown algorithm suite "HMAC-MD5"/);
    expect(readPskc(withSuite('HMAC-SHA256')).records[0]!.algorithm).toBe('SHA256');
    expect(readPskc(withSuite('sha-512')).records[0]!.algorithm).toBe('SHA512');
  });

  it('refuses an unknown encryption or MAC algorithm', () => {
    expectRefused(fig6.replace(/xmlenc#aes128-cbc/g, 'xmlenc#tripledes-cbc'), 'unsupported', /tripledes-cbc" is not supported/, { psk: FIG6_PSK });
    expectRefused(fig6.replace('xmldsig#hmac-sha1', 'xmldsig#hmac-md5'), 'unsupported', /MACMethod algorithm ".*hmac-md5" is not supported/, { psk: FIG6_PSK });
    expectRefused(fig7.replace('pkcs-5v2-0#pbkdf2', 'pkcs-5v2-0#pbkdf1'), 'unsupported', /key derivation ".*pbkdf1" is not supported/, { password: FIG7_PASSWORD });
  });
});

describe('keys, passwords and MACs', () => {
  it('asks for the key an encrypted file needs', () => {
    expectRefused(fig6, 'missing-key', /pre-shared key \("Pre-shared-key"\); give it \(--psk HEX\)/);
    expectRefused(fig7, 'missing-key', /password \("My Password 1"\); give the password/);
    expectRefused(fig7, 'missing-key', /password/, { psk: FIG6_PSK });
  });

  it('refuses a wrong PSK: "wrong key or tampered file"', () => {
    for (const bad of ['12345678901234567890123456789013', '00000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff']) {
      expectRefused(fig6, 'wrong-key', /wrong key or tampered file/, { psk: fromHex(bad) });
    }
    expectRefused(fig6, 'wrong-key', /needs a 16-byte key, the key given has 8 bytes/, { psk: fromHex('1234567890123456') });
  });

  it('refuses a wrong password', () => {
    for (const pw of ['qwertz', 'QWERTY', '', 'qwerty ']) expectRefused(fig7, 'wrong-key', /wrong key or tampered file/, { password: pw });
  });

  it('refuses tampered ciphertext: the ValueMAC does not match', () => {
    const tampered = fig6.replace('AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv', 'AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGw');
    expect(tampered).not.toBe(fig6);
    expectRefused(tampered, 'wrong-key', /key 1 \(serial 987654321\): wrong key or tampered file \(Secret ValueMAC does not match\)/, { psk: FIG6_PSK });
    // A flipped IV byte would decrypt "fine" to a different secret: only the MAC catches it.
    const ivFlipped = fig6.replace('AAECAwQFBgcICQoLDA0OD+cI', 'AQECAwQFBgcICQoLDA0OD+cI');
    expectRefused(ivFlipped, 'wrong-key', /ValueMAC does not match/, { psk: FIG6_PSK });
    const macChanged = fig6.replace('Su+NvtQfmvfJzF6bmQiJqoLRExc=', 'Tu+NvtQfmvfJzF6bmQiJqoLRExc=');
    expectRefused(macChanged, 'wrong-key', /ValueMAC does not match/, { psk: FIG6_PSK });
    const fig7Tampered = fig7.replace('oTvo+S22nsmS2Z', 'oTvo+S22nsmS2a');
    expectRefused(fig7Tampered, 'wrong-key', /ValueMAC does not match/, { password: FIG7_PASSWORD });
  });

  it('refuses an encrypted value without a ValueMAC or without a MACMethod', () => {
    expectRefused(fig6.replace(/<ValueMAC>[^<]*<\/ValueMAC>/, ''), 'unsupported', /without a ValueMAC/, { psk: FIG6_PSK });
    expectRefused(fig6.replace(/<MACMethod[\s\S]*<\/MACMethod>/, ''), 'unsupported', /no MACMethod/, { psk: FIG6_PSK });
  });

  it('never puts a secret in a message', () => {
    const cases: [string, PskcReadOptions][] = [
      [fig6, { psk: fromHex('12345678901234567890123456789013') }],
      [fig7, { password: 'nope' }],
      [fig3.replace('Length="8"', 'Length="4"'), {}],
      [fig3.replace('keyprov:pskc:hotp', 'keyprov:pskc:x'), {}],
    ];
    for (const [doc, opts] of cases) {
      const e = refusal(doc, opts);
      for (const form of SECRET_FORMS) expect(e.message).not.toContain(form);
    }
  });
});
