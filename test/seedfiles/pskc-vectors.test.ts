/**
 * RFC 6030 Figures 2, 3, 6, 7 and 10 and a Feitian vendor file must read to the values listed in
 * test/vectors/pskc/README.md; the encrypted figures decrypt to the published secret only after
 * their ValueMAC verifies, and the intermediate keys are the published ones.
 */
import { describe, expect, it } from 'vitest';
import { createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import { readPskc } from '@hwtotp/verifier/seedfiles';
import { FIG6_PSK, FIG7_PASSWORD, ascii, hex, vector } from './helpers.ts';

describe('RFC 6030 figures', () => {
  it('Figure 2: the smallest container, one HOTP key in plain text', () => {
    const { records, protection } = readPskc(vector('rfc6030-figure2.pskcxml'));
    expect(protection).toBe('none');
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r.serial).toBe('12345678'); // no DeviceInfo: the Key Id serves as the serial
    expect(r.keyId).toBeUndefined();
    expect(r.issuer).toBe('Issuer-A');
    expect(r.kind).toBe('hotp');
    expect(hex(r.secret)).toBe(ascii('1234'));
  });

  it('Figure 3: device information and an 8-digit HOTP key', () => {
    const [r, ...rest] = readPskc(vector('rfc6030-figure3.pskcxml')).records;
    expect(rest).toHaveLength(0);
    expect(r).toMatchObject({ serial: '987654321', keyId: '12345678', manufacturer: 'Manufacturer', kind: 'hotp', algorithm: 'SHA1', digits: 8, counter: 0 });
    expect(hex(r!.secret)).toBe(ascii('12345678901234567890'));
  });

  it('Figure 6: AES-128-CBC with a pre-shared key, ValueMAC checked', () => {
    const { records, protection } = readPskc(vector('rfc6030-figure6.pskcxml'), { psk: FIG6_PSK });
    expect(protection).toBe('psk');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ serial: '987654321', kind: 'hotp', digits: 8, counter: 0 });
    expect(hex(records[0]!.secret)).toBe('3132333435363738393031323334353637383930');
  });

  it('Figure 6, by hand: the MAC key and the ValueMAC are the published ones', () => {
    // An independent computation straight from the figure's base64, so the reader is not its own oracle.
    const macKeyCt = Buffer.from('ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX', 'base64');
    const d = createDecipheriv('aes-128-cbc', FIG6_PSK, macKeyCt.subarray(0, 16));
    const macKey = Buffer.concat([d.update(macKeyCt.subarray(16)), d.final()]);
    expect(macKey.toString('hex')).toBe('1122334455667788990011223344556677889900');
    const secretCt = Buffer.from('AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv', 'base64');
    expect(createHmac('sha1', macKey).update(secretCt).digest('base64')).toBe('Su+NvtQfmvfJzF6bmQiJqoLRExc=');
  });

  it('Figure 7: a PBKDF2-derived key from the password "qwerty"', () => {
    const { records, protection } = readPskc(vector('rfc6030-figure7.pskcxml'), { password: FIG7_PASSWORD });
    expect(protection).toBe('password');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ serial: '987654321', keyId: '123456', manufacturer: 'TokenVendorAcme', digits: 8, kind: 'hotp', issuer: 'Example-Issuer' });
    expect(hex(records[0]!.secret)).toBe(ascii('12345678901234567890'));
  });

  it('Figure 7, by hand: the derived key and the MAC key are the published ones', () => {
    const key = pbkdf2Sync('qwerty', Buffer.from('Ej7/PEpyEpw=', 'base64'), 1000, 16, 'sha1');
    expect(key.toString('hex')).toBe('651e63cd57008476af1ff6422cd02e41');
    const ct = Buffer.from('2GTTnLwM3I4e5IO5FkufoOEiOhNj91fhKRQBtBJYluUDsPOLTfUvoU2dStyOwYZx', 'base64');
    const d = createDecipheriv('aes-128-cbc', key, ct.subarray(0, 16));
    expect(Buffer.concat([d.update(ct.subarray(16)), d.final()]).toString('hex')).toBe('bdaab8d648e850d25a3289364f7d7eaaf53ce581');
  });

  it('Figure 10: a bulk container yields its four keys in order, the repeated serial kept for the import check', () => {
    const { records } = readPskc(vector('rfc6030-figure10.pskcxml'));
    expect(records.map((r) => [r.serial, r.keyId])).toEqual([['654321', '1'], ['123456', '2'], ['9999999', '3'], ['9999999', '4']]);
    for (const r of records) {
      expect(r).toMatchObject({ kind: 'hotp', digits: 8, counter: 0, manufacturer: 'TokenVendorAcme', issuer: 'Issuer' });
      expect(hex(r.secret)).toBe(ascii('12345678901234567890'));
    }
  });
});

describe('Feitian c100/c200 seed file', () => {
  it('yields the TOTP key (60 s) and the HOTP key', () => {
    const { records } = readPskc(vector('feitian-totp-20120919-test001-4282.xml'));
    expect(records).toHaveLength(2);
    const [t, h] = records;
    expect(t).toMatchObject({ serial: '2600215704919', kind: 'totp', algorithm: 'SHA1', digits: 6, period: 60, t0: 0, driftSteps: 0,
      manufacturer: 'FeiTian Technology Co.,Ltd' });
    expect(t!.counter).toBeUndefined();
    expect(hex(t!.secret)).toBe(Buffer.from('zSK3gP/9LVNpaAfs039ATa45MnA=', 'base64').toString('hex'));
    expect(t!.secret).toHaveLength(20);
    expect(h).toMatchObject({ serial: '1000117803294', kind: 'hotp', digits: 6, counter: 0 });
    expect(hex(h!.secret)).toBe(Buffer.from('TfpfT+8Jn9s6FYNIySi+uzXkIi0=', 'base64').toString('hex'));
  });
});
