// Report date ranges in the company's time zone: today, presets, checks, without the DOM.

export const PRESETS = ['today', 'yesterday', 'last7', 'last30', 'thisMonth', 'lastMonth'];
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The calendar day (`YYYY-MM-DD`) it is at `now` in `timeZone` (an unknown zone falls back to UTC). */
export function todayIn(timeZone, now = new Date()) {
  let format;
  try {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** A `YYYY-MM-DD` that names a real day, as a UTC Date; otherwise null. */
export function parseDay(text) {
  const match = DAY.exec(String(text ?? ''));
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

function isoOf(date) {
  return date.toISOString().slice(0, 10);
}

/** `day` moved by `days` calendar days. */
export function addDays(day, days) {
  const date = parseDay(day);
  date.setUTCDate(date.getUTCDate() + days);
  return isoOf(date);
}

/** Calendar days from `from` to `to`, both included (0 when reversed or not days). */
export function spanDays(from, to) {
  const a = parseDay(from);
  const b = parseDay(to);
  if (!a || !b || b < a) return 0;
  return Math.round((b - a) / 86400000) + 1;
}

/** `{from, to}` of a preset, counted from `today` (a `YYYY-MM-DD` in the company's zone). */
export function presetRange(preset, today) {
  const date = parseDay(today);
  const first = (year, month) => isoOf(new Date(Date.UTC(year, month, 1)));
  switch (preset) {
    case 'today': return { from: today, to: today };
    case 'yesterday': return { from: addDays(today, -1), to: addDays(today, -1) };
    case 'last7': return { from: addDays(today, -6), to: today };
    case 'last30': return { from: addDays(today, -29), to: today };
    case 'thisMonth': return { from: first(date.getUTCFullYear(), date.getUTCMonth()), to: today };
    case 'lastMonth': {
      const start = first(date.getUTCFullYear(), date.getUTCMonth() - 1);
      return { from: start, to: addDays(first(date.getUTCFullYear(), date.getUTCMonth()), -1) };
    }
    default: return null;
  }
}

/** Which preset `{from, to}` is, seen from `today`, or null for a custom range. */
export function presetOf(range, today) {
  return PRESETS.find((preset) => {
    const candidate = presetRange(preset, today);
    return candidate.from === range.from && candidate.to === range.to;
  }) ?? null;
}

/**
 * What is wrong with a range before asking the server: `{field, key}` naming the catalogue
 * message, or null. `maxDays` mirrors the server's limit (the server checks again).
 */
export function rangeProblem({ from, to }, { maxDays = 366 } = {}) {
  if (!parseDay(from)) return { field: 'from', key: 'reports.range.badDay' };
  if (!parseDay(to)) return { field: 'to', key: 'reports.range.badDay' };
  if (to < from) return { field: 'to', key: 'reports.range.reversed' };
  if (spanDays(from, to) > maxDays) return { field: 'from', key: 'reports.range.tooLong' };
  return null;
}
