/**
 * CSV injection (OWASP, "CSV Injection"): a spreadsheet opening a CSV file runs a cell that starts
 * with `=`, `+`, `-`, `@`, tab or CR as a formula, so a serial or a model name could make the
 * operator's spreadsheet compute, fetch or launch something.
 *
 * As OWASP advises, the writer prefixes such a cell with a single quote, which spreadsheets show as
 * text, and the CSV writer quotes it. The reader takes that one quote off again, so export then
 * import gives back the very same text. To keep the two exact inverses, a cell that already starts
 * with quotes before one of those characters gets one more quote, and loses one when read.
 *
 * We neutralise on export rather than refuse such text on import: the registry also holds names that
 * did not come from a CSV file (provisioning, PSKC, rows written before this rule), and a serial such
 * as "-1234567890" is a legitimate SERIAL_PATTERN value; only the spreadsheet is at risk, so the
 * spreadsheet format is where the guard goes.
 */
const FORMULA = /^'*[=+\-@\t\r]/;

/** The cell as written: a leading quote added when a spreadsheet would read the text as a formula. */
export function neutraliseFormula(cell: string): string {
  return FORMULA.test(cell) ? "'" + cell : cell;
}

/** The cell as read: the writer's leading quote taken off again. */
export function restoreFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell) ? cell.slice(1) : cell;
}
