/**
 * What may enter the TOTP registry: the whole import is refused, listing every problem, when any
 * key is HOTP (unless skipped on request), has a bad serial or secret, or repeats a serial within
 * the file or from the registry.
 */
import { describe, expect, it } from 'vitest';
import { SeedFileError, checkImport, readPskc, type SeedRecord } from '@hwtotp/verifier/seedfiles';
import { vector } from './helpers.ts';

const totp = (serial: string, bytes = 20): SeedRecord =>
  ({ serial, secret: new Uint8Array(bytes).fill(9), kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30, t0: 0, driftSteps: 0 });

function refusal(records: SeedRecord[], opts = {}): SeedFileError {
  try {
    checkImport(records, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SeedFileError);
    return e as SeedFileError;
  }
  throw new Error('the import was accepted');
}

describe('checkImport', () => {
  it('accepts good TOTP keys in file order', () => {
    const rs = [totp('HW0000001'), totp('HW0000002', 64)];
    expect(checkImport(rs, { existing: () => false })).toEqual({ accepted: rs, skipped: [] });
  });

  it('refuses the whole import listing every duplicate, within the file and against the registry', () => {
    const e = refusal([totp('HW0000001'), totp('HW0000002'), totp('HW0000001'), totp('HW0000003'), totp('HW0000001'), totp('HW0000002')],
      { existing: (s: string) => s === 'HW0000003' });
    expect(e.reason).toBe('duplicate');
    expect(e.problems).toEqual([
      'key 4 (serial HW0000003): serial is already in the registry',
      'serial HW0000001 appears 3 times (keys 1, 3, 5)',
      'serial HW0000002 appears 2 times (keys 2, 6)',
    ]);
    expect(e.message).toMatch(/^import refused, nothing was written:\n/);
  });

  it('Feitian: refuses the HOTP key by default, imports the TOTP one when HOTP keys are skipped', () => {
    const { records } = readPskc(vector('feitian-totp-20120919-test001-4282.xml'));
    const e = refusal(records);
    expect(e.reason).toBe('refused-keys');
    expect(e.message).toBe('import refused, nothing was written: key 2 (serial 1000117803294): is an HOTP (counter-based) key; ' +
      'this registry holds TOTP keys only (use --skip-hotp to import the others)');
    const plan = checkImport(records, { skipHotp: true });
    expect(plan.accepted.map((r) => r.serial)).toEqual(['2600215704919']);
    expect(plan.skipped).toEqual(['key 2 (serial 1000117803294): is an HOTP (counter-based) key; this registry holds TOTP keys only']);
  });

  it('RFC 6030 Figure 10: four HOTP keys, one serial twice', () => {
    const { records } = readPskc(vector('rfc6030-figure10.pskcxml'));
    expect(refusal(records).problems).toHaveLength(4);
    // Skipping HOTP leaves no key to import: refused (an import of nothing is no success), naming the
    // skipped keys; a duplicate among them is no problem.
    const none = refusal(records, { skipHotp: true });
    expect(none.reason).toBe('no-keys');
    expect(none.message).toMatch(/^the file holds no key to import \(4 HOTP key\(s\) skipped\); nothing was written/);
    expect(none.problems).toEqual([expect.stringMatching(/^key 1 \(serial 654321\)/), expect.anything(), expect.anything(), expect.anything()]);
    const asTotp = records.map((r) => ({ ...r, kind: 'totp' as const, serial: r.serial.padStart(9, '0') }));
    expect(refusal(asTotp).problems).toEqual(['serial 009999999 appears 2 times (keys 3, 4)']);
  });

  it('refuses short secrets and serials the registry cannot hold', () => {
    const e = refusal([totp('HW0000001', 15), totp('short'), totp('HW 0000003'), totp('HW0000004', 129)]);
    expect(e.problems).toEqual([
      'key 1 (serial HW0000001): secret is 15 bytes; it must be 16 to 128 (RFC 4226 requires at least 128 bits)',
      'key 2 (serial short): serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -',
      'key 3 (serial HW 0000003): serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -',
      'key 4 (serial HW0000004): secret is 129 bytes; it must be 16 to 128 (RFC 4226 requires at least 128 bits)',
    ]);
  });
});
