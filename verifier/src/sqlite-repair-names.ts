/**
 * Schema v2 of the SQLite registry: rewrites names stored before names were checked as text.
 *
 * Before v2 a user name could hold a lone surrogate ("eve\ud800" in JSON). SQLite stored it as bytes
 * that are not UTF-8 (ED A0 80), which read back as "eve" and three U+FFFD: the listing showed one
 * name, while deactivate and resync, matching the stored bytes, never found the row again. Names in
 * other normal forms than NFC, or holding control characters, were equally out of reach of the
 * checks every caller now passes.
 *
 * Each such name becomes the text the listing already showed (invalid bytes as U+FFFD, as any
 * UTF-8 reader decodes them), with control characters also turned into U+FFFD, in NFC, cut to the
 * name length limit. Every row is then listable, deactivatable and resyncable under that name.
 * Rows whose names already pass are not touched. The audit log is history and is left as written.
 */
import type Database from 'better-sqlite3';
import { CONTROL_CHARACTER, MAX_NAME_LENGTH, textProblem } from './validate.ts';

const LOSSY_UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const CONTROL = new RegExp(CONTROL_CHARACTER.source, 'gu');
const COLUMNS = ['user', 'device_name', 'manufacturer', 'model'];

/** The name a stored value becomes, or undefined when it can stay as it is. */
export function repairedName(bytes: Uint8Array): string | undefined {
  let text: string | undefined;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined && textProblem(text) === undefined && text === text.normalize('NFC') &&
    text.length > 0 && text.length <= MAX_NAME_LENGTH) return undefined;
  let name = LOSSY_UTF8.decode(bytes).replace(CONTROL, '\ufffd').normalize('NFC');
  if (name.length > MAX_NAME_LENGTH) name = Array.from(name).reduce((s, c) => (s.length + c.length <= MAX_NAME_LENGTH ? s + c : s), '');
  return name === '' ? '\ufffd' : name;
}

/** The v2 migration: runs inside migrate()'s transaction. */
export function repairNames(db: Database.Database): void {
  for (const col of COLUMNS) {
    const rows = db.prepare(`SELECT serial, CAST(${col} AS BLOB) AS raw FROM tokens WHERE ${col} IS NOT NULL`).all() as
      { serial: string; raw: Uint8Array }[];
    const update = db.prepare(`UPDATE tokens SET ${col} = ? WHERE serial = ?`);
    for (const r of rows) {
      const name = repairedName(r.raw);
      if (name !== undefined) update.run(name, r.serial);
    }
  }
}
