/**
 * The CSV seed format: header `serial,secret,period,digits,manufacturer,model`, base32 secrets,
 * RFC 4180 quoting, CRLF, BOM and blank lines; every bad row named by line and column, never by
 * its secret; and readCsv(writeCsv(x)) = x.
 */
import { describe, expect, it } from 'vitest';
import { base32Encode } from '@hwtotp/protocol/host';
import { SeedFileError, readCsv, writeCsv, type SeedRecord } from '@hwtotp/verifier/seedfiles';
import { hex } from './helpers.ts';

const S1 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
const S2 = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function refusal(text: string): SeedFileError {
  try {
    readCsv(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SeedFileError);
    return e as SeedFileError;
  }
  throw new Error('the CSV was accepted');
}

describe('reading CSV', () => {
  it('reads the common format', () => {
    const rs = readCsv('serial,secret,period,digits,manufacturer,model\nHW0000001,' + S1 + ',30,6,Acme,Pico\nHW0000002,' + S2 + ',60,8,,\n');
    expect(rs).toHaveLength(2);
    expect(rs[0]).toEqual({ serial: 'HW0000001', secret: new Uint8Array(Buffer.from('12345678901234567890')), kind: 'totp', algorithm: 'SHA1',
      digits: 6, period: 30, t0: 0, driftSteps: 0, manufacturer: 'Acme', model: 'Pico' });
    expect(rs[1]).toMatchObject({ serial: 'HW0000002', period: 60, digits: 8 });
    expect(rs[1]!.manufacturer).toBeUndefined();
  });

  it('copes with a BOM, CRLF, blank lines, quotes, padding, lower case and columns in another order', () => {
    const text = '\uFEFFSecret,Serial,Model,Manufacturer,Digits,Period\r\n\r\n' +
      '"' + S1.toLowerCase() + '=====",HW0000001,"Model ""X"", rev 2","Acme, Inc.",7,45\r\n' +
      '   \r\n' +
      ' ' + S2 + ' , HW0000002 ,"quoted, with a comma",,,\r\n';
    const rs = readCsv(text);
    expect(rs.map((r) => [r.serial, hex(r.secret), r.model, r.manufacturer, r.digits, r.period])).toEqual([
      ['HW0000001', Buffer.from('12345678901234567890').toString('hex'), 'Model "X", rev 2', 'Acme, Inc.', 7, 45],
      ['HW0000002', Buffer.from(base32DecodeForTest(S2)).toString('hex'), 'quoted, with a comma', undefined, 6, 30],
    ]);
  });

  it('reads the optional algorithm, t0 and drift columns', () => {
    const rs = readCsv('serial,secret,period,digits,manufacturer,model,algorithm,t0,drift\nHW0000001,' + S1 + ',30,6,,,sha256,100,-4\n');
    expect(rs[0]).toMatchObject({ algorithm: 'SHA256', t0: 100, driftSteps: -4 });
  });

  it('names the line and the column of every bad row, without the secret', () => {
    const e = refusal('serial,secret,period,digits,manufacturer,model\n' +
      'HW0000001,' + S1 + ',30,6,,\n' +
      'HW0000002,' + S1.slice(0, 10) + '1' + S1.slice(11) + ',30,6,,\n' +   // line 3: "1" is not base32
      'HW0000003,' + S2 + ',0,6,,\n' +                                      // line 4: period 0
      '\n' +
      'HW0000004,' + S2 + ',30,9,,\n' +                                     // line 6: 9 digits
      ',' + S2 + ',30,6,,\n' +                                              // line 7: no serial
      'HW0000006,' + S2 + ',30,6\n' +                                       // line 8: too few fields
      'HW0000007,,30,6,,\n');                                               // line 9: no secret
    expect(e.reason).toBe('invalid-value');
    expect(e.problems).toEqual([
      'line 3, column secret: not valid base32 (RFC 4648)',
      'line 4, column period: must be an integer from 1 to 3600, got "0"',
      'line 6, column digits: must be an integer from 6 to 8, got "9"',
      'line 7, column serial: empty',
      'line 8: 4 fields, the header has 6',
      'line 9, column secret: empty',
    ]);
    expect(e.message).toMatch(/^6 rows are bad:\n {2}line 3, column secret/);
    for (const s of [S1, S2, S1.slice(0, 10), '12345678901234567890']) expect(e.message).not.toContain(s);
  });

  it('refuses a missing or unknown header and broken quoting', () => {
    expect(refusal('').message).toMatch(/empty.*needs the header line serial,secret,period,digits,manufacturer,model/);
    expect(refusal('HW0000001,' + S1 + ',30,6,,\n').message).toMatch(/line 1, column 1: unknown column "HW0000001"/);
    expect(refusal('serial,period\nHW0000001,30\n').message).toMatch(/line 1: the header has no "secret" column/);
    expect(refusal('serial,secret,serial\n').message).toMatch(/column "serial" appears twice/);
    expect(refusal('serial,secret\nHW0000001,"' + S1 + '\n').message).toMatch(/line 2: a quoted field is not closed/);
    expect(refusal('serial,secret\nHW00"00001,' + S1 + '\n').message).toMatch(/line 2, column 1: a quote inside an unquoted field/);
    expect(refusal('serial,secret\n"HW0000001"x,' + S1 + '\n').message).toMatch(/line 2, column 1: text after a closing quote/);
    expect(refusal('serial,secret,algorithm\nHW0000001,' + S1 + ',MD5\n').message).toMatch(/line 2, column algorithm: must be SHA1, SHA256 or SHA512/);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => readCsv(Buffer.from('serial,secret,manufacturer\nHW0000001,' + S1 + ',Caf\u00e9\n', 'latin1'))).toThrow(/not valid UTF-8/);
    expect(readCsv(Buffer.from('serial,secret,manufacturer\nHW0000001,' + S1 + ',Caf\u00e9\n', 'utf8'))[0]!.manufacturer).toBe('Caf\u00e9');
  });

  it('refuses input over the size limit', () => {
    expect(() => readCsv('serial,secret\n', 5)).toThrow(/more than the limit of 5/);
  });
});

describe('writing CSV', () => {
  const records: SeedRecord[] = [
    { serial: 'HW0000001', secret: new Uint8Array(20).fill(1), kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30, t0: 0, driftSteps: 0, manufacturer: 'Acme, Inc.', model: 'Model "X"' },
    { serial: 'HW0000002', secret: new Uint8Array(32).fill(2), kind: 'totp', algorithm: 'SHA1', digits: 8, period: 60, t0: 0, driftSteps: 0 },
  ];

  it('writes exactly the six columns when nothing else is needed', () => {
    const text = writeCsv(records);
    expect(text.split('\r\n')).toEqual([
      'serial,secret,period,digits,manufacturer,model',
      'HW0000001,' + base32Encode(records[0]!.secret) + ',30,6,"Acme, Inc.","Model ""X"""',
      'HW0000002,' + base32Encode(records[1]!.secret) + ',60,8,,',
      '',
    ]);
    expect(readCsv(text)).toEqual(records);
  });

  it('adds algorithm and t0 columns only when a record needs them, and round-trips them; never writes drift', () => {
    const more = records.concat([{ serial: 'HW0000003', secret: new Uint8Array(64).fill(3), kind: 'totp', algorithm: 'SHA512', digits: 7, period: 30, t0: 60, driftSteps: 0 }]);
    const text = writeCsv(more);
    expect(text.split('\r\n')[0]).toBe('serial,secret,period,digits,manufacturer,model,algorithm,t0');
    expect(readCsv(text)).toEqual(more);
    // Drift is the registry's running estimate: a token 2 steps off still exports as the six columns.
    const drifted = writeCsv([{ ...records[0]!, driftSteps: -2 }]);
    expect(drifted.split('\r\n')[0]).toBe('serial,secret,period,digits,manufacturer,model');
    expect(readCsv(drifted)[0]!.driftSteps).toBe(0);
  });

  it('refuses an HOTP key, which CSV cannot hold', () => {
    expect(() => writeCsv([{ ...records[0]!, kind: 'hotp', counter: 0 }])).toThrow(/key 1 \(serial HW0000001\): the CSV format holds TOTP keys only/);
  });
});

function base32DecodeForTest(s: string): Uint8Array {
  // A straightforward RFC 4648 decoder, independent of the one under test.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return new Uint8Array(out);
}
