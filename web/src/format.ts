// Dates are shown the way a lawyer reads them without guessing: ISO order with
// the weekday (2026-12-07, Mon), partial dates as they were recorded (2021-11),
// and times with the UTC offset they were recorded in.

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The weekday of a civil date, independent of the browser's zone. */
export function weekday(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function zoneLabel(z: string): string {
  if (z === 'Z' || z === '+00:00' || z === '+0000') return 'UTC';
  const sign = z[0] === '-' ? '\u2212' : '+';
  const digits = z.slice(1).replace(':', '');
  return `UTC${sign}${digits.slice(0, 2)}:${digits.slice(2)}`;
}

/** "2026-12-07, Mon"; "2021-11"; "2026-09-10, Thu 09:00 UTC−04:00". */
export function fmtDate(value: string | null | undefined): string {
  if (!value) return '';
  const dt = DATE_TIME.exec(value);
  if (dt) return `${dt[1]}, ${weekday(dt[1])} ${dt[2]} ${zoneLabel(dt[4])}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}, ${weekday(value)}`;
  return value;
}

/** The civil date part of a date or date-time ("2026-09-10T09:00-04:00" -> "2026-09-10"). */
export function dayOf(value: string): string {
  return value.slice(0, 10);
}

/** Today's date where the user is, as YYYY-MM-DD. */
export function today(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const a = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10));
  const b = Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10));
  return Math.round((b - a) / 86400000);
}

/** "today", "tomorrow", "in 12 days", "3 days ago". */
export function relativeDays(ymd: string, now: string = today()): string {
  const n = daysBetween(now, dayOf(ymd));
  if (n === 0) return 'today';
  if (n === 1) return 'tomorrow';
  if (n === -1) return 'yesterday';
  return n > 0 ? `in ${n} days` : `${-n} days ago`;
}

/** A-numbers are stored as 9 digits and shown as A-123-456-789. */
export function fmtANumber(a: string | null | undefined): string {
  if (!a) return '';
  const d = a.replace(/\D/g, '').padStart(9, '0');
  return `A-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)}`;
}

/** "without_inspection" -> "without inspection". */
export function words(s: string | null | undefined): string {
  return (s ?? '').replace(/_/g, ' ');
}

export function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** A sortable key for partial dates and date-times (first possible instant). */
export function sortKey(value: string): string {
  if (value.length === 4) return value + '-01-01';
  if (value.length === 7) return value + '-01';
  return value;
}
