/**
 * `hwtotp import FILE`: load a seed file (RFC 6030 PSKC, plain or encrypted, or CSV) into the
 * registry in one transaction. The file is read and checked completely before the registry is even
 * opened, and any problem refuses the whole import (verifier/src/seedfiles/README.md).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command, Flags, Io, UsageError } from '../command.ts';
import { dbOptions, dbPathFromFlags, withVerifier } from '../open-verifier.ts';
import {
  DEFAULT_MAX_BYTES, SeedFileError, checkImport, parsePskHex, readSeedFile, recordToToken, type SeedFileOptions,
} from '@hwtotp/verifier/seedfiles';

const PROTECTION = { none: 'not encrypted', psk: 'encrypted with a pre-shared key', password: 'encrypted with a password' };

/** The decryption key flags shared by import and export. */
export function keyFlags(flags: Flags): { psk?: Uint8Array; password?: string } {
  const given = ['psk', 'password', 'password-file'].filter((f) => flags[f] !== undefined);
  if (given.length > 1) throw new UsageError('give only one of ' + given.map((f) => '--' + f).join(', '));
  if (typeof flags.psk === 'string') {
    try {
      return { psk: parsePskHex(flags.psk) };
    } catch (e) {
      throw new UsageError('--psk: ' + (e as Error).message);
    }
  }
  if (typeof flags.password === 'string') {
    if (flags.password === '') throw new UsageError('--password must not be empty');
    return { password: flags.password };
  }
  if (typeof flags['password-file'] === 'string') {
    let text: string;
    try {
      text = readFileSync(flags['password-file'], 'utf8');
    } catch (e) {
      throw new UsageError('--password-file: cannot read "' + flags['password-file'] + '": ' + (e as NodeJS.ErrnoException).code);
    }
    const password = text.split(/\r?\n/)[0]!;
    if (password === '') throw new UsageError('--password-file: the first line is empty');
    return { password };
  }
  return {};
}

/** Prints a seed-file refusal as JSON for --json, else lets the CLI print it. */
export function jsonRefusal(flags: Flags, io: Io, e: unknown): number {
  if (flags.json && e instanceof SeedFileError) {
    io.out(JSON.stringify({ error: e.name, reason: e.reason, message: e.message, problems: e.problems }));
    return e.exitCode;
  }
  throw e;
}

export const importCommand: Command = {
  name: 'import',
  usage: 'hwtotp import FILE [--psk HEX | --password P | --password-file F] [--format pskc|csv] [--skip-hotp] [--dry-run] ' +
    '[--db FILE] [--key-file F] [--json]',
  positionals: true,
  options: {
    ...dbOptions,
    psk: { type: 'string' },
    password: { type: 'string' },
    'password-file': { type: 'string' },
    format: { type: 'string' },
    'skip-hotp': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  async run(flags, positionals, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one seed FILE');
    const file = positionals[0]!;
    if (flags.format !== undefined && flags.format !== 'pskc' && flags.format !== 'csv') {
      throw new UsageError('--format must be pskc or csv, got "' + String(flags.format) + '"');
    }
    const opts: SeedFileOptions = { ...keyFlags(flags) };
    if (flags.format) opts.format = flags.format as 'pskc' | 'csv';
    let input: Buffer;
    try {
      const size = statSync(file).size;
      if (size > DEFAULT_MAX_BYTES) throw new SeedFileError('too-large', `seed file ${file} is ${size} bytes, more than the limit of ${DEFAULT_MAX_BYTES}`);
      input = readFileSync(file);
    } catch (e) {
      if (e instanceof SeedFileError) return jsonRefusal(flags, io, e);
      throw new UsageError(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let parsed;
    try {
      parsed = readSeedFile(input, opts);
    } catch (e) {
      return jsonRefusal(flags, io, e);
    }
    if (parsed.protection === 'none' && (opts.psk || opts.password !== undefined)) {
      io.err(`hwtotp import: note: ${file} is not encrypted; the key given was not needed`);
    }
    try {
      // Everything but the registry's own serials is checked before the registry is opened (or created).
      checkImport(parsed.records, { skipHotp: !!flags['skip-hotp'] });
    } catch (e) {
      return jsonRefusal(flags, io, e);
    }
    // A dry run writes nothing: against a registry that does not exist it checks the file against an
    // empty one in memory instead of creating the file.
    const dryRunOnNothing = flags['dry-run'] === true && !existsSync(dbPathFromFlags(flags, io.env));
    const target: Flags = dryRunOnNothing ? { ...flags, db: ':memory:', 'key-file': undefined } : flags;
    return withVerifier(target, io, async (v) => {
      const existing = new Set((await v.list()).map((t) => t.serial));
      let plan;
      try {
        plan = checkImport(parsed.records, { existing: (s) => existing.has(s), skipHotp: !!flags['skip-hotp'] });
      } catch (e) {
        return jsonRefusal(flags, io, e);
      }
      let imported = 0;
      if (!flags['dry-run']) imported = (await v.importTokens(plan.accepted.map(recordToToken), 'imported')).imported;
      if (flags.json) {
        io.out(JSON.stringify({ imported, checked: plan.accepted.length, dryRun: !!flags['dry-run'], format: parsed.format,
          protection: parsed.protection, serials: plan.accepted.map((r) => r.serial), skipped: plan.skipped }));
        return 0;
      }
      const what = `${parsed.format.toUpperCase()}, ${PROTECTION[parsed.protection]}`;
      io.out(flags['dry-run']
        ? `dry run: ${plan.accepted.length} token(s) in ${file} (${what}) can be imported; nothing was written`
        : `imported ${imported} token(s) from ${file} (${what})`);
      for (const s of plan.skipped) io.out(`skipped ${s}`);
      return 0;
    }, { create: true });
  },
};
