/**
 * The common CSV seed format: a header line, then one TOTP key a row.
 *
 *   serial,secret,period,digits,manufacturer,model
 *
 * secret is base32 (RFC 4648, case-insensitive, padding optional). Columns are found by their header
 * name, in any order; serial and secret are required, period defaults to 30 and digits to 6. Two
 * optional extra columns carry what the six cannot describe: algorithm (SHA1) and t0 (0); the writer
 * adds them only when a record needs them, so ordinary exports stay the six columns. A third,
 * drift (0, in time steps), is read but never written: drift is the registry's running estimate,
 * moved by sign-ins, and would put a seventh column into most exports of tokens in use; PSKC's
 * TimeDrift carries it both ways.
 * Fields follow RFC 4180 (double quotes, "" inside quotes, CRLF or LF); a UTF-8 BOM and blank lines
 * are ignored, and unquoted fields are trimmed. No field may hold a control character (tab and line
 * ends inside quotes included). A cell a spreadsheet would run as a formula is written with a
 * leading quote, taken off again when read (csv-formula.ts).
 */
import { DEFAULT_PARAMS, LIMITS } from '@hwtotp/protocol';
import { base32Decode, base32Encode, parseAlgorithm } from '@hwtotp/protocol/host';
import { SeedFileError } from './errors.ts';
import { SeedRecord, describeKey } from './record.ts';
import { DEFAULT_MAX_BYTES } from './xml.ts';
import { decodeUtf8 } from './text.ts';
import { neutraliseFormula, restoreFormula } from './csv-formula.ts';
import { textProblem } from '../validate.ts';

export const CSV_COLUMNS = ['serial', 'secret', 'period', 'digits', 'manufacturer', 'model'];
const EXTRA_COLUMNS = ['algorithm', 't0', 'drift'];
/** The extra columns the writer may add (drift is read only, see above). */
const WRITTEN_EXTRAS = ['algorithm', 't0'];

/**
 * Bounds that keep any CSV file within the size limit under 300 MB of memory: a 16 MiB file of
 * 4 million two-byte rows took 2.4 GB and 159 s before them (measured). Rows cost a few hundred bytes
 * each whatever their length, so their number is bounded, and so is a row's width (the header has at
 * most the nine known columns). Both are counted while splitting, before the rows pile up. At the
 * bound, 50,000 valid rows (16.5 MB) import in 253 MB through `hwtotp import` (measured).
 */
export const MAX_CSV_ROWS = 50_000;
const MAX_CSV_FIELDS = 16;
/** Problems listed in one refusal; the rest are counted. */
const MAX_PROBLEMS_LISTED = 100;

interface Row {
  line: number;
  fields: string[];
}

/** Splits CSV text into rows (RFC 4180), remembering the line each row starts on. */
export function splitCsv(text: string): Row[] {
  const rows: Row[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let rowLine = 1;
  const endField = () => {
    if (fields.length === MAX_CSV_FIELDS) {
      throw new SeedFileError('too-large', 'line ' + rowLine + ': more than ' + MAX_CSV_FIELDS + ' fields (the known columns are ' + CSV_COLUMNS.concat(EXTRA_COLUMNS).join(',') + ')');
    }
    fields.push(wasQuoted ? field : field.trim()); field = ''; wasQuoted = false;
  };
  const endRow = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) {
      // The header plus MAX_CSV_ROWS keys.
      if (rows.length > MAX_CSV_ROWS) throw new SeedFileError('too-large', 'line ' + rowLine + ': more than ' + MAX_CSV_ROWS + ' keys in one CSV file; split it');
      rows.push({ line: rowLine, fields });
    }
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field.trim() !== '' || wasQuoted) {
        throw new SeedFileError('malformed', 'line ' + line + ', column ' + (fields.length + 1) + ': a quote inside an unquoted field');
      }
      field = '';
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else if (wasQuoted) {
      if (c !== ' ' && c !== '\t') {
        throw new SeedFileError('malformed', 'line ' + line + ', column ' + (fields.length + 1) + ': text after a closing quote');
      }
    } else {
      field += c;
    }
  }
  if (quoted) throw new SeedFileError('malformed', 'line ' + rowLine + ': a quoted field is not closed');
  endRow();
  return rows;
}

/**
 * Reads CSV seed text. Every bad row is reported, by line and column, in one error; secrets are
 * never quoted.
 */
export function readCsv(input: string | Uint8Array, maxBytes = DEFAULT_MAX_BYTES): SeedRecord[] {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) throw new SeedFileError('too-large', 'seed file is ' + size + ' bytes, more than the limit of ' + maxBytes);
  const rows = splitCsv(decodeUtf8(input));
  const header = rows.shift();
  if (!header) throw new SeedFileError('malformed', 'the CSV file is empty: it needs the header line ' + CSV_COLUMNS.join(','));
  const col: { [name: string]: number } = {};
  header.fields.forEach((name, i) => {
    const n = name.toLowerCase();
    if (textProblem(name)) throw new SeedFileError('malformed', 'line ' + header.line + ', column ' + (i + 1) + ': the header holds a control character');
    if (!CSV_COLUMNS.includes(n) && !EXTRA_COLUMNS.includes(n)) {
      throw new SeedFileError('malformed', 'line ' + header.line + ', column ' + (i + 1) + ': unknown column "' + name.slice(0, 40) +
        '" (the header is ' + CSV_COLUMNS.join(',') + ')');
    }
    if (col[n] !== undefined) throw new SeedFileError('malformed', 'line ' + header.line + ': column "' + n + '" appears twice');
    col[n] = i;
  });
  for (const need of ['serial', 'secret']) {
    if (col[need] === undefined) {
      throw new SeedFileError('malformed', 'line ' + header.line + ': the header has no "' + need + '" column (expected ' + CSV_COLUMNS.join(',') + ')');
    }
  }
  const records: SeedRecord[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    try {
      records.push(readRow(row, col, header.fields.length));
    } catch (e) {
      if (!(e instanceof SeedFileError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) {
    const listed = problems.length > MAX_PROBLEMS_LISTED
      ? problems.slice(0, MAX_PROBLEMS_LISTED).concat('... and ' + (problems.length - MAX_PROBLEMS_LISTED) + ' more bad rows')
      : problems;
    throw new SeedFileError('invalid-value', problems.length === 1 ? problems[0]! : problems.length + ' rows are bad', listed);
  }
  return records;
}

function readRow(row: Row, col: { [name: string]: number }, width: number): SeedRecord {
  const at = (name: string) => 'line ' + row.line + ', column ' + name;
  if (row.fields.length !== width) {
    throw new SeedFileError('invalid-value', 'line ' + row.line + ': ' + row.fields.length + ' fields, the header has ' + width);
  }
  for (const [name, i] of Object.entries(col)) {
    const problem = textProblem(row.fields[i]!);
    // The secret's column is named but nothing of its value, not even the offending character.
    if (problem) throw new SeedFileError('invalid-value', at(name) + ': ' + (name === 'secret' ? 'holds a control character' : problem));
  }
  const get = (name: string) => (col[name] === undefined ? '' : restoreFormula(row.fields[col[name]!]!));
  const serial = get('serial');
  if (serial === '') throw new SeedFileError('invalid-value', at('serial') + ': empty');
  let secret: Uint8Array;
  try {
    secret = base32Decode(get('secret'));
  } catch {
    // base32Decode's message places the bad character in the secret; a seed-file error says nothing of the secret.
    throw new SeedFileError('invalid-value', at('secret') + ': not valid base32 (RFC 4648)');
  }
  if (secret.length === 0) throw new SeedFileError('invalid-value', at('secret') + ': empty');
  const int = (name: string, dflt: number, min: number, max: number) => {
    const v = get(name);
    if (v === '') return dflt;
    if (!/^[-+]?[0-9]{1,16}$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new SeedFileError('invalid-value', at(name) + ': must be an integer from ' + min + ' to ' + max + ', got "' + v.slice(0, 20) + '"');
    }
    return Number(v);
  };
  let algorithm: SeedRecord['algorithm'] = DEFAULT_PARAMS.algorithm;
  if (get('algorithm') !== '') {
    try {
      algorithm = parseAlgorithm(get('algorithm'));
    } catch {
      throw new SeedFileError('unsupported', at('algorithm') + ': must be SHA1, SHA256 or SHA512, got "' + get('algorithm').slice(0, 20) + '"');
    }
  }
  const record: SeedRecord = {
    serial, secret, kind: 'totp', algorithm,
    digits: int('digits', DEFAULT_PARAMS.digits, LIMITS.digits.min, LIMITS.digits.max),
    period: int('period', DEFAULT_PARAMS.period, LIMITS.period.min, LIMITS.period.max),
    t0: int('t0', DEFAULT_PARAMS.t0, LIMITS.t0.min, LIMITS.t0.max),
    driftSteps: int('drift', 0, -1e9, 1e9),
  };
  if (get('manufacturer') !== '') record.manufacturer = get('manufacturer');
  if (get('model') !== '') record.model = get('model');
  return record;
}

function csvField(s: string): string {
  // A neutralised formula is quoted too, as OWASP advises: the quotes keep it one cell whatever it holds.
  return /[",\r\n]|^\s|\s$|^'/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** Writes TOTP records as CSV (CRLF line ends, RFC 4180). HOTP keys cannot be written in this format. */
export function writeCsv(records: SeedRecord[]): string {
  const extras = WRITTEN_EXTRAS.filter((c) => records.some((r) => (c === 'algorithm' && r.algorithm !== 'SHA1') || (c === 't0' && r.t0 !== 0)));
  const lines = [CSV_COLUMNS.concat(extras).join(',')];
  records.forEach((r, i) => {
    if (r.kind !== 'totp') {
      throw new SeedFileError('unsupported', describeKey(i, r.serial) + ': the CSV format holds TOTP keys only; export HOTP keys as PSKC');
    }
    const cells = [r.serial, base32Encode(r.secret), String(r.period), String(r.digits), r.manufacturer ?? '', r.model ?? ''];
    for (const c of extras) cells.push(c === 'algorithm' ? r.algorithm : String(r.t0));
    lines.push(cells.map((c) => csvField(neutraliseFormula(c))).join(','));
  });
  return lines.join('\r\n') + '\r\n';
}
