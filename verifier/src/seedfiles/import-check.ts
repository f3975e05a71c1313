/**
 * Decides what of a seed file may enter the registry, before anything is written.
 *
 * An import is one transaction, so it is all or nothing: every problem in the file is collected and
 * the whole import is refused with one error listing them all (key number and serial each, never a
 * secret). The registry is a TOTP registry: an HOTP key is a problem like any other, unless the
 * caller asks to skip HOTP keys, in which case they are left out and reported as skipped.
 */
import { SERIAL_PATTERN } from '@hwtotp/protocol';
import { SeedFileError } from './errors.ts';
import { SeedRecord, describeKey } from './record.ts';

/** RFC 4226 §4 R6: the shared secret is at least 128 bits. The registry stores at most 128 bytes. */
export const MIN_SECRET_BYTES = 16;
export const MAX_SECRET_BYTES = 128;

export interface ImportCheckOptions {
  /** Serials already in the registry (a duplicate of one refuses the import). */
  existing?: (serial: string) => boolean;
  /** Leave HOTP keys out (reported in `skipped`) instead of refusing the file. */
  skipHotp?: boolean;
}

export interface ImportPlan {
  /** The records to insert, in file order. */
  accepted: SeedRecord[];
  /** Keys left out on purpose, one line each for the operator. */
  skipped: string[];
}

/**
 * Checks records for the registry.
 * @throws SeedFileError ('refused-keys', or 'duplicate' when duplicates are the only problem)
 *   listing every problem.
 */
export function checkImport(records: SeedRecord[], opts: ImportCheckOptions = {}): ImportPlan {
  const problems: string[] = [];
  const skipped: string[] = [];
  const accepted: SeedRecord[] = [];
  const seen = new Map<string, number[]>();
  let duplicates = 0;
  records.forEach((r, i) => {
    const who = describeKey(i, r.serial);
    if (r.kind !== 'totp') {
      const line = who + ': is an HOTP (counter-based) key; this registry holds TOTP keys only';
      if (opts.skipHotp) skipped.push(line);
      else problems.push(line + ' (use --skip-hotp to import the others)');
      return;
    }
    const before = problems.length;
    if (!SERIAL_PATTERN.test(r.serial)) {
      problems.push(who + ': serial must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -');
    }
    if (r.secret.length < MIN_SECRET_BYTES || r.secret.length > MAX_SECRET_BYTES) {
      problems.push(who + ': secret is ' + r.secret.length + ' bytes; it must be ' + MIN_SECRET_BYTES + ' to ' + MAX_SECRET_BYTES +
        ' (RFC 4226 requires at least 128 bits)');
    }
    seen.set(r.serial, (seen.get(r.serial) ?? []).concat(i + 1));
    if (opts.existing && opts.existing(r.serial)) {
      problems.push(who + ': serial is already in the registry');
      duplicates++;
    }
    if (problems.length === before) accepted.push(r);
  });
  for (const [serial, keys] of seen) {
    if (keys.length > 1) {
      problems.push('serial ' + serial + ' appears ' + keys.length + ' times (keys ' + keys.join(', ') + ')');
      duplicates++;
    }
  }
  if (problems.length === 0 && accepted.length === 0) {
    throw new SeedFileError('no-keys', 'the file holds no key to import' + (skipped.length ? ' (' + skipped.length + ' HOTP key(s) skipped)' : '') +
      '; nothing was written', skipped.length ? skipped : undefined);
  }
  if (problems.length) {
    const reason = duplicates === problems.length ? 'duplicate' : 'refused-keys';
    throw new SeedFileError(reason, 'import refused, nothing was written' + (problems.length === 1 ? ': ' + problems[0] : ''), problems);
  }
  return { accepted, skipped };
}
