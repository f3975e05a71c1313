/**
 * Writes SeedRecords as an RFC 6030 PSKC document, in the element order of the RFC 6030 schema
 * (§11) and the layout of its Figures 5 to 7:
 * - plain: secrets as base64 PlainValue (§4);
 * - with a pre-shared key (§6.1, Figure 6): each Secret AES-128-CBC encrypted with a fresh IV, a
 *   random 20-byte MAC key encrypted under the same key in MACMethod/MACKey, and a ValueMAC
 *   (HMAC-SHA1 over IV || ciphertext) beside each EncryptedValue;
 * - with a password (§6.2, Figure 7): the same, under a key derived with PBKDF2-HMAC-SHA1 from a
 *   random 16-byte salt.
 * Only the Secret is encrypted; counters and times stay plain, as in the RFC figures.
 */
import { randomBytes } from 'node:crypto';
import { SeedFileError } from './errors.ts';
import { SeedRecord, describeKey } from './record.ts';
import { escapeXml } from './xml.ts';
import { textProblem } from '../validate.ts';
import { base64Encode } from './base64.ts';
import { AES128_CBC, HMAC_SHA1, NS, OTP_URI, PBKDF2, hashSuite } from './pskc-names.ts';
import { cbcEncrypt, hmac, pbkdf2 } from './pskc-crypto.ts';

export interface PskcWriteOptions {
  /** Encrypt with this 16-byte pre-shared key (AES-128-CBC). */
  psk?: Uint8Array;
  /** Encrypt with a key derived from this password (PBKDF2). */
  password?: string;
  /** PBKDF2 iterations (default 100,000). */
  iterations?: number;
  /** The ds:KeyName / MasterKeyName written so the recipient knows which key to use. */
  keyName?: string;
}

/** PBKDF2-HMAC-SHA1 iterations for password-protected exports. */
export const DEFAULT_PBKDF2_ITERATIONS = 100_000;

interface Protection {
  key: Uint8Array;
  macKey: Uint8Array;
}

/**
 * Serialises records as a PSKC document (UTF-8 text) that the RFC 6030 schema accepts.
 * @throws SeedFileError 'no-keys' for no records (the schema requires a KeyPackage, so there is no
 *   valid empty document), and 'invalid-value' for text holding a control character.
 */
export function writePskc(records: SeedRecord[], opts: PskcWriteOptions = {}): string {
  if (records.length === 0) throw new SeedFileError('no-keys', 'nothing to export: a PSKC document must hold at least one key (RFC 6030 §4)');
  if (opts.psk && opts.password !== undefined) throw new SeedFileError('invalid-value', 'give a pre-shared key or a password, not both');
  if (opts.psk && opts.psk.length !== 16) {
    throw new SeedFileError('invalid-value', 'the pre-shared key must be 16 bytes (AES-128), got ' + opts.psk.length);
  }
  if (opts.password === '') throw new SeedFileError('invalid-value', 'the password is empty');
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const encrypted = !!opts.psk || opts.password !== undefined;
  out.push('<pskc:KeyContainer Version="1.0" xmlns:pskc="' + NS.pskc + '"' +
    (encrypted ? ' xmlns:ds="' + NS.ds + '" xmlns:xenc="' + NS.xenc + '"' : '') +
    (opts.password !== undefined ? ' xmlns:xenc11="' + NS.xenc11 + '" xmlns:pkcs5="' + NS.pkcs5 + '"' : '') + '>');
  let prot: Protection | undefined;
  if (opts.psk) {
    prot = { key: opts.psk, macKey: randomBytes(20) };
    out.push('  <pskc:EncryptionKey>', '    <ds:KeyName>' + escapeXml(opts.keyName ?? 'Pre-shared-key') + '</ds:KeyName>', '  </pskc:EncryptionKey>');
  } else if (opts.password !== undefined) {
    const salt = randomBytes(16);
    const iterations = opts.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
    prot = { key: pbkdf2(opts.password, salt, iterations, 16, 'sha1'), macKey: randomBytes(20) };
    out.push(
      '  <pskc:EncryptionKey>',
      '    <xenc11:DerivedKey>',
      '      <xenc11:KeyDerivationMethod Algorithm="' + PBKDF2 + '">',
      '        <pkcs5:PBKDF2-params>',
      '          <Salt>',
      '            <Specified>' + base64Encode(salt) + '</Specified>',
      '          </Salt>',
      '          <IterationCount>' + iterations + '</IterationCount>',
      '          <KeyLength>16</KeyLength>',
      '        </pkcs5:PBKDF2-params>',
      '      </xenc11:KeyDerivationMethod>',
      '      <xenc11:MasterKeyName>' + escapeXml(opts.keyName ?? 'Password') + '</xenc11:MasterKeyName>',
      '    </xenc11:DerivedKey>',
      '  </pskc:EncryptionKey>');
  }
  if (prot) {
    out.push(
      '  <pskc:MACMethod Algorithm="' + HMAC_SHA1 + '">',
      '    <pskc:MACKey>',
      ...encryptedBody(cbcEncrypt(AES128_CBC, prot.key, prot.macKey), '      '),
      '    </pskc:MACKey>',
      '  </pskc:MACMethod>');
  }
  records.forEach((r, i) => out.push(...keyPackage(r, i, prot)));
  out.push('</pskc:KeyContainer>', '');
  return out.join('\n');
}

function encryptedBody(ivAndCiphertext: Uint8Array, indent: string): string[] {
  return [
    indent + '<xenc:EncryptionMethod Algorithm="' + AES128_CBC + '"/>',
    indent + '<xenc:CipherData>',
    indent + '  <xenc:CipherValue>' + base64Encode(ivAndCiphertext) + '</xenc:CipherValue>',
    indent + '</xenc:CipherData>',
  ];
}

function keyPackage(r: SeedRecord, index: number, prot: Protection | undefined): string[] {
  if (!r.serial) throw new SeedFileError('invalid-value', describeKey(index) + ': has no serial');
  if (r.kind !== 'totp' && r.kind !== 'hotp') throw new SeedFileError('invalid-value', describeKey(index, r.serial) + ': kind must be totp or hotp');
  // What the reader refuses is never written: a control character would also break XML 1.0 (§2.2).
  const text = (field: string, value: string) => {
    const problem = textProblem(value);
    if (problem) throw new SeedFileError('invalid-value', describeKey(index, r.serial) + ': ' + field + ' ' + problem);
    return escapeXml(value);
  };
  const el = (name: string, value: string | undefined, indent: string) =>
    value === undefined ? [] : [indent + '<pskc:' + name + '>' + text(name, value) + '</pskc:' + name + '>'];
  const plainInt = (name: string, value: number | undefined) =>
    value === undefined ? [] : ['        <pskc:' + name + '>', '          <pskc:PlainValue>' + value + '</pskc:PlainValue>', '        </pskc:' + name + '>'];
  const lines = [
    '  <pskc:KeyPackage>',
    '    <pskc:DeviceInfo>',
    ...el('Manufacturer', r.manufacturer, '      '),
    ...el('SerialNo', r.serial, '      '),
    ...el('Model', r.model, '      '),
    '    </pskc:DeviceInfo>',
    '    <pskc:Key Id="' + text('Key Id', r.keyId ?? r.serial) + '" Algorithm="' + OTP_URI[r.kind] + '">',
    ...el('Issuer', r.issuer, '      '),
    '      <pskc:AlgorithmParameters>',
    ...el('Suite', r.algorithm === 'SHA1' ? undefined : hashSuite(r.algorithm), '        '),
    '        <pskc:ResponseFormat Length="' + r.digits + '" Encoding="DECIMAL"/>',
    '      </pskc:AlgorithmParameters>',
    '      <pskc:Data>',
    '        <pskc:Secret>',
  ];
  if (prot) {
    const ct = cbcEncrypt(AES128_CBC, prot.key, r.secret);
    lines.push('          <pskc:EncryptedValue>', ...encryptedBody(ct, '            '), '          </pskc:EncryptedValue>',
      '          <pskc:ValueMAC>' + base64Encode(hmac('sha1', prot.macKey, ct)) + '</pskc:ValueMAC>');
  } else {
    lines.push('          <pskc:PlainValue>' + base64Encode(r.secret) + '</pskc:PlainValue>');
  }
  lines.push('        </pskc:Secret>');
  if (r.kind === 'hotp') lines.push(...plainInt('Counter', r.counter ?? 0));
  else {
    lines.push(...plainInt('Time', r.t0), ...plainInt('TimeInterval', r.period));
    if (r.driftSteps !== 0) lines.push(...plainInt('TimeDrift', r.driftSteps));
  }
  lines.push('      </pskc:Data>', '    </pskc:Key>', '  </pskc:KeyPackage>');
  return lines;
}
