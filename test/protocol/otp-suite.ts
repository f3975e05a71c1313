/**
 * The HOTP/TOTP conformance suite, written once and run against each HmacFn (see otp.test.ts):
 * every RFC 4226 Appendix D value including the intermediate HMAC and truncation, and every
 * RFC 6238 Appendix B value for SHA1, SHA256 and SHA512.
 */
import { describe, expect, it } from 'vitest';
import { HmacFn, counterBytes, fromHex, hotp, stepAt, toHex, totp, truncate } from '@hwtotp/protocol';
import { RFC4226, RFC6238, RFC6238_CASES } from '../vectors/index.ts';

/** Registers the suite for one HMAC implementation. */
export function otpSuite(name: string, hmac: HmacFn): void {
  describe('OTP conformance: ' + name, () => {
    describe('RFC 4226 Appendix D', () => {
      it.each(RFC4226.rows)('count $count: HMAC-SHA1 $hmacHex', (row) => {
        expect(toHex(hmac('SHA1', RFC4226.secret, counterBytes(row.count)))).toBe(row.hmacHex);
      });
      it.each(RFC4226.rows)('count $count: truncates to $truncatedDecimal', (row) => {
        // With 8 digits mod 10^8 is visible; the 31-bit value itself is checked through all 10 digits of it.
        const mac = fromHex(row.hmacHex);
        const off = (mac[19] as number) & 15;
        const bin = (((mac[off] as number) & 0x7f) << 24 | (mac[off + 1] as number) << 16 | (mac[off + 2] as number) << 8 | (mac[off + 3] as number)) >>> 0;
        expect(bin).toBe(row.truncatedDecimal);
        expect(bin.toString(16)).toBe(row.truncatedHex);
        expect(truncate(mac, 8)).toBe(String(row.truncatedDecimal % 1e8).padStart(8, '0'));
        expect(truncate(mac, 6)).toBe(row.hotp);
      });
      it.each(RFC4226.rows)('count $count: HOTP $hotp', (row) => {
        expect(hotp(hmac, RFC4226.secret, row.count)).toBe(row.hotp);
        expect(hotp(hmac, RFC4226.secret, row.count, { algorithm: 'SHA1', digits: 6 })).toBe(row.hotp);
      });
    });

    describe('RFC 6238 Appendix B (erratum 2866 key lengths)', () => {
      it.each(RFC6238_CASES)('$algorithm at $time: $code', (c) => {
        const params = { algorithm: c.algorithm, digits: RFC6238.digits, period: RFC6238.period, t0: RFC6238.t0 };
        expect(stepAt(c.time, params).toString(16).toUpperCase().padStart(16, '0')).toBe(c.stepHex);
        expect(totp(hmac, c.key, c.time, params)).toBe(c.code);
      });
      it('the erratum keys are 20, 32 and 64 bytes of the repeated ASCII digits', () => {
        expect([RFC6238.keys.SHA1.length, RFC6238.keys.SHA256.length, RFC6238.keys.SHA512.length]).toEqual([20, 32, 64]);
        // The uncorrected RFC text used the 20-byte key for every algorithm; it gives other codes.
        const wrong = totp(hmac, RFC6238.keys.SHA1, 59, { algorithm: 'SHA256', digits: 8 });
        expect(wrong).not.toBe(RFC6238.rows[0]!.totp.SHA256);
      });
    });
  });
}
