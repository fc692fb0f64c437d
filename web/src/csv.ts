// CSV for spreadsheets. A cell that starts with = + - @, a tab or a carriage
// return is taken as a formula by Excel, LibreOffice and Google Sheets, so text
// from a case file could run one (OWASP "CSV injection"): such a cell gets a
// leading single quote, which shows the text as typed, and is always quoted.

import type { EventRec } from './api';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : Array.isArray(v) ? v.join('; ') : String(v);
  const formula = FORMULA_START.test(s);
  if (formula) s = "'" + s;
  return formula || /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function csvRow(cells: unknown[]): string {
  return cells.map(csvCell).join(',');
}

/** The chronology as CSV: one row per event, the contract's fields as columns. */
export function chronologyCsv(events: EventRec[]): string {
  const fixed = ['date', 'type', 'id', 'matter', 'note'];
  const extra = [...new Set(events.flatMap((e) => Object.keys(e)))].filter(
    (k) => !fixed.includes(k) && !['subject', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by'].includes(k),
  ).sort();
  const cols = [...fixed, ...extra];
  return [csvRow(cols), ...events.map((e) => csvRow(cols.map((c) => e[c])))].join('\r\n') + '\r\n';
}
