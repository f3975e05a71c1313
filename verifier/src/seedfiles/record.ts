/**
 * The normalised form every seed-file reader produces and every writer consumes, whatever the
 * format: one record per key.
 */
import type { HashAlgorithm } from '@hwtotp/protocol';

/** One OTP key from a seed file. */
export interface SeedRecord {
  /** The token's serial number (PSKC DeviceInfo/SerialNo, else the Key Id). */
  serial: string;
  /** The raw HMAC key. Never logged, never put in an error message. */
  secret: Uint8Array;
  /** RFC 6238 time-based or RFC 4226 counter-based. */
  kind: 'totp' | 'hotp';
  algorithm: HashAlgorithm;
  /** Digits of a code, 6 to 8. */
  digits: number;
  /** TOTP time step in seconds (PSKC TimeInterval). 30 when the file does not say. */
  period: number;
  /** TOTP T0 in Unix seconds (PSKC Time). */
  t0: number;
  /** Clock drift in time steps, not seconds (PSKC TimeDrift, RFC 6030 §4.3): signed. */
  driftSteps: number;
  /** HOTP moving factor (PSKC Counter); only for kind 'hotp'. */
  counter?: number;
  manufacturer?: string;
  model?: string;
  issuer?: string;
  /** PSKC Key Id, when it differs from the serial (kept so a PSKC round trip is lossless). */
  keyId?: string;
}

/** How a record is named in messages: its position in the file and its serial, never its secret. */
export function describeKey(index: number, serial?: string): string {
  return 'key ' + (index + 1) + (serial ? ' (serial ' + serial + ')' : '');
}
