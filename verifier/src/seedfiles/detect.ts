/** Reading a seed file whatever its format: PSKC (XML) or CSV, told apart by the first character. */
import { SeedFileError } from './errors.ts';
import { SeedRecord } from './record.ts';
import { readCsv } from './csv.ts';
import { PskcReadOptions, readPskc } from './pskc-read.ts';
import { DEFAULT_MAX_BYTES } from './xml.ts';

export type SeedFormat = 'pskc' | 'csv';

export interface SeedFileOptions extends PskcReadOptions {
  /** Force a format instead of guessing it. */
  format?: SeedFormat;
}

export interface SeedFile {
  format: SeedFormat;
  records: SeedRecord[];
  /** Whether the file was encrypted (only PSKC can be). */
  protection: 'none' | 'psk' | 'password';
}

/** Guesses the format: XML starts with "<" (after a BOM and whitespace), anything else is CSV. */
export function detectFormat(input: string | Uint8Array): SeedFormat {
  const head = typeof input === 'string' ? input.slice(0, 64) : Buffer.from(input.subarray(0, 64)).toString('utf8');
  return /^\uFEFF?\s*</.test(head) ? 'pskc' : 'csv';
}

/** Reads a seed file (PSKC or CSV) into records. */
export function readSeedFile(input: string | Uint8Array, opts: SeedFileOptions = {}): SeedFile {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (size > max) throw new SeedFileError('too-large', 'seed file is ' + size + ' bytes, more than the limit of ' + max);
  const format = opts.format ?? detectFormat(input);
  if (format === 'csv') {
    if (opts.psk || opts.password !== undefined) {
      throw new SeedFileError('invalid-value', 'a CSV seed file is never encrypted; --psk and --password apply to PSKC only');
    }
    return { format, records: readCsv(input, max), protection: 'none' };
  }
  const doc = readPskc(input, opts);
  return { format, records: doc.records, protection: doc.protection };
}
