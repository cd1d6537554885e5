// CSV of a table, built in the browser: UTF-8 with a BOM (Excel opens Chinese right), formula cells defused.

export const BOM = '\uFEFF';

/** Cells a spreadsheet would run as a formula start with one of these; they get a leading '. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell as CSV: numbers as they are, text with a leading ' when it would start a formula
 * (=, +, -, @, tab, CR; negative numbers stay numbers), quoted when it holds a comma, quote or line break.
 */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (arrays of cells) as a CSV document: BOM, CRLF line ends (RFC 4180). */
export function toCsv(rows) {
  return BOM + rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A file name from a title and a range: "客服报表 · 对话" 2026-11-01…2026-11-30 → "客服报表-对话_2026-11-01_2026-11-30.csv". */
export function csvFileName(title, from = '', to = '') {
  const base = String(title ?? '').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '').replace(/\s*[·•]\s*|\s+/g, '-')
    .replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'report';
  return [base, from, to].filter(Boolean).join('_') + '.csv';
}

/**
 * A table's CSV rows from its column definitions: the header (each column's `csvLabel`, else its
 * `label`), then one row per item of raw values (`column.value(item)`, else `item[column.key]`).
 * Raw, not formatted: numbers stay numbers and durations stay seconds.
 */
export function csvRows(columns, items) {
  const raw = (column, item) => (column.value ? column.value(item) : item[column.key]);
  return [columns.map((column) => column.csvLabel ?? column.label), ...items.map((item) => columns.map((column) => raw(column, item)))];
}
