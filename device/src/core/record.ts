/**
 * The token's durable state, kept in two alternating storage records.
 *
 * Espruino's Storage overwrites are not atomic: a power cut during a write can leave the file
 * missing or truncated. So each save goes to the slot that does NOT hold the current state, with a
 * sequence number one higher and a CRC-32 over the text. Loading takes the valid record with the
 * higher sequence; a torn or corrupt record fails its CRC and the other one wins. A power cut at any
 * step therefore leaves either the old state or the new one, never a mix.
 *
 * Record text: 8 upper-case hex digits of CRC-32, then the JSON of the state.
 * The seed is stored as hex, unencrypted (see SECURITY.md).
 */
import { Hal } from '../hal.ts';
import { hex8, isInteger } from '@hwtotp/protocol';

/** The stored state. A record without `k` is a blank token. */
export interface TokenRecord {
  /** Sequence number, higher is newer. */
  q: number;
  /** Serial number. */
  s?: string;
  /** Seed, hex. */
  k?: string;
  /** Algorithm: SHA1, SHA256 or SHA512. */
  a?: string;
  /** Digits. */
  d?: number;
  /** Period in seconds. */
  p?: number;
  /** T0 in UNIX seconds. */
  t?: number;
}

/** The two slot names (8 characters: older Espruino Storage names are limited to 8). */
export const SLOTS = ['hwtotp.0', 'hwtotp.1'];

/** Encodes a record with its CRC. */
export function encodeRecord(rec: TokenRecord, crc32: (s: string) => number): string {
  const text = JSON.stringify(rec);
  return hex8(crc32(text)) + text;
}

/**
 * Decodes a record; undefined when torn or corrupt (CRC), or when it holds a seed for a hash this
 * board lacks (a record copied from another board), which could never show a code.
 */
export function decodeRecord(data: unknown, hal: Hal): TokenRecord | undefined {
  try {
    const text = (data as string).substring(8);
    if (hex8(hal.crc32(text)) !== (data as string).substring(0, 8)) return undefined;
    const rec: TokenRecord = JSON.parse(text);
    if (isInteger(rec.q) && (!rec.k || (hal.hashes as { [k: string]: unknown })[rec.a as string])) return rec;
  } catch {
    // Not a string (no record), not JSON, or null.
  }
  return undefined;
}

function readSlot(hal: Hal, i: number): TokenRecord | undefined {
  try {
    return decodeRecord(hal.storage.read(SLOTS[i] as string), hal);
  } catch {
    return undefined;
  }
}

/** Loads the newest valid record, or a blank one with sequence 0 when neither slot is valid. */
export function loadRecord(hal: Hal): TokenRecord {
  const a = readSlot(hal, 0);
  const b = readSlot(hal, 1);
  if (a && (!b || a.q > b.q)) return a;
  return b || { q: 0 };
}

/**
 * Saves `rec` as the successor of `current`: sequence current.q + 1, in the slot current is not in.
 * Reads the record back to verify it. Returns the saved record, or undefined on failure (in which
 * case `current` is still the state on flash).
 */
export function saveRecord(hal: Hal, current: TokenRecord, rec: TokenRecord): TokenRecord | undefined {
  rec.q = current.q + 1;
  const name = SLOTS[rec.q % 2] as string;
  const data = encodeRecord(rec, hal.crc32);
  try {
    if (hal.storage.write(name, data) === false || hal.storage.read(name) !== data) return undefined;
  } catch {
    return undefined;
  }
  return rec;
}

/**
 * Erases the slot that `rec` is not in (after a wipe, the old record still holds the seed), then
 * compacts Storage: Espruino's erase only marks a file deleted, and every record ever overwritten
 * also stays in flash until compaction, so without it the old seed could still be read off the chip.
 */
export function eraseOther(hal: Hal, rec: TokenRecord): void {
  try {
    hal.storage.erase(SLOTS[(rec.q + 1) % 2] as string);
    hal.storage.compact();
  } catch {
    // The newer blank record already wins on load; a leftover old record is only a flash residue.
  }
}
