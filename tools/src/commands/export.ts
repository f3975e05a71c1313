/**
 * `hwtotp export --format pskc|csv`: write seeds from the registry to stdout (or --output FILE,
 * created with mode 0600 and never overwritten). PSKC may be encrypted with a pre-shared key or a
 * password (RFC 6030 §6.1, §6.2); CSV never is.
 */
import { writeFileSync } from 'node:fs';
import { Command, UsageError, intFlag } from '../command.ts';
import { dbOptions, withVerifier } from '../open-verifier.ts';
import { keyFlags, jsonRefusal } from './import.ts';
import { DEFAULT_PBKDF2_ITERATIONS, SeedFileError, tokenToRecord, writeCsv, writePskc } from '@hwtotp/verifier/seedfiles';

export const exportCommand: Command = {
  name: 'export',
  usage: 'hwtotp export --format pskc|csv [--serial S]... [--psk HEX | --password P | --password-file F] [--iterations N] ' +
    '[--output FILE] [--db FILE] [--key-file F] [--json: refusals as JSON]',
  options: {
    ...dbOptions,
    format: { type: 'string' },
    serial: { type: 'string', multiple: true },
    psk: { type: 'string' },
    password: { type: 'string' },
    'password-file': { type: 'string' },
    iterations: { type: 'string' },
    output: { type: 'string' },
  },
  async run(flags, _pos, io) {
    const format = flags.format;
    if (format !== 'pskc' && format !== 'csv') throw new UsageError('--format must be pskc or csv' + (format ? ', got "' + String(format) + '"' : ''));
    const keys = keyFlags(flags);
    if (format === 'csv' && (keys.psk || keys.password !== undefined)) throw new UsageError('CSV cannot be encrypted; use --format pskc with --psk or --password');
    if (keys.psk && keys.psk.length !== 16) throw new UsageError('--psk must be 16 bytes (AES-128) for export, got ' + keys.psk.length);
    const iterations = intFlag(flags, 'iterations', 1000, 10_000_000) ?? DEFAULT_PBKDF2_ITERATIONS;
    if (flags.iterations !== undefined && keys.password === undefined) throw new UsageError('--iterations applies to --password only');
    const serials = flags.serial as unknown as string[] | undefined;
    const output = typeof flags.output === 'string' ? flags.output : undefined;
    if (output === '') throw new UsageError('--output must not be empty');
    return withVerifier(flags, io, async (v) => {
      const records = (await v.exportTokens(serials)).map(tokenToRecord);
      let doc: string;
      try {
        // PSKC has no valid empty document (writePskc refuses one); CSV says the same, for one rule.
        if (records.length === 0) throw new SeedFileError('no-keys', 'nothing to export: the registry holds no token' + (serials ? ' with the serials given' : ''));
        doc = format === 'csv' ? writeCsv(records) : writePskc(records, { ...keys, iterations });
      } catch (e) {
        return jsonRefusal(flags, io, e);
      }
      if (output) {
        try {
          writeFileSync(output, doc, { mode: 0o600, flag: 'wx' });
        } catch (e) {
          throw new UsageError(`--output: cannot create "${output}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` +
            ((e as NodeJS.ErrnoException).code === 'EEXIST' ? ' (it exists; export never overwrites)' : ''));
        }
        io.err(`hwtotp export: wrote ${records.length} token(s) to ${output}`);
      } else {
        io.out(doc.replace(/\r?\n$/, ''));
      }
      if (format === 'csv' || (!keys.psk && keys.password === undefined)) {
        io.err('hwtotp export: warning: the seeds are in plain text; keep this output secret');
      }
      return 0;
    });
  },
};
