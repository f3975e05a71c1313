/**
 * The one source of OTP test vectors for every suite (protocol, verifier, device, simulator):
 * RFC 4226 Appendix D and RFC 6238 Appendix B (with erratum 2866's 32- and 64-byte seeds), kept as
 * JSON next to this loader so other tools can read them too.
 */
import { readFileSync } from 'node:fs';
import type { HashAlgorithm } from '@hwtotp/protocol';

/** One row of RFC 4226 Appendix D. */
export interface HotpVector {
  count: number;
  /** HMAC-SHA1(secret, count as 8 bytes), lower-case hex. */
  hmacHex: string;
  /** The dynamically truncated 31-bit value, in hex as the RFC prints it (no leading zeros). */
  truncatedHex: string;
  truncatedDecimal: number;
  /** The 6-digit HOTP value. */
  hotp: string;
}

/** One time of RFC 6238 Appendix B, with the 8-digit code for each algorithm. */
export interface TotpVector {
  time: number;
  utc: string;
  /** The step T = floor(time / 30) as 16 upper-case hex digits. */
  stepHex: string;
  totp: { [A in HashAlgorithm]: string };
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL('./' + name, import.meta.url), 'utf8')) as T;
}

const hotpFile = load<{ secretAscii: string; secretHex: string; algorithm: 'SHA1'; digits: number; rows: HotpVector[] }>('rfc4226.json');
const totpFile = load<{ digits: number; period: number; t0: number; keys: { [A in HashAlgorithm]: string }; rows: TotpVector[] }>('rfc6238.json');

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** RFC 4226 Appendix D: secret, parameters and the ten rows. */
export const RFC4226 = {
  secret: ascii(hotpFile.secretAscii),
  secretAscii: hotpFile.secretAscii,
  secretHex: hotpFile.secretHex,
  algorithm: hotpFile.algorithm,
  digits: hotpFile.digits,
  rows: hotpFile.rows,
};

/** RFC 6238 Appendix B: per-algorithm seeds (erratum 2866 lengths), parameters and rows. */
export const RFC6238 = {
  keys: {
    SHA1: ascii(totpFile.keys.SHA1),
    SHA256: ascii(totpFile.keys.SHA256),
    SHA512: ascii(totpFile.keys.SHA512),
  } as { [A in HashAlgorithm]: Uint8Array },
  keysAscii: totpFile.keys,
  digits: totpFile.digits,
  period: totpFile.period,
  t0: totpFile.t0,
  rows: totpFile.rows,
};

/** RFC 6238 rows flattened to one case per (time, algorithm), for it.each. */
export const RFC6238_CASES: { time: number; algorithm: HashAlgorithm; key: Uint8Array; code: string; stepHex: string }[] = [];
for (const row of RFC6238.rows) {
  for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as HashAlgorithm[]) {
    RFC6238_CASES.push({ time: row.time, algorithm, key: RFC6238.keys[algorithm], code: row.totp[algorithm], stepHex: row.stepHex });
  }
}
