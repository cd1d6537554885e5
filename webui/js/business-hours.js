// A site's business hours between the editor's text fields and the API's `business_hours` JSON.
// Pure: no DOM. Errors are `{field, key, params}` naming a catalog message and the form control.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
/** Offered in the time-zone select; a site's own zone is added when it is not among them. */
export const TIMEZONES = [
  'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Asia/Seoul',
  'Asia/Bangkok', 'Asia/Kolkata', 'Asia/Dubai', 'Europe/London', 'Europe/Paris', 'Europe/Berlin',
  'Europe/Moscow', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Sao_Paulo', 'Australia/Sydney', 'Pacific/Auckland', 'UTC',
];
export const RANGES_MAX = 6;
export const DATES_MAX = 366;
const WORKDAY = [['09:00', '18:00']];

/** What the editor shows for a site without hours (always open) when they are switched on. */
export const DEFAULT_HOURS = {
  timezone: DEFAULT_TIMEZONE,
  week: { mon: WORKDAY, tue: WORKDAY, wed: WORKDAY, thu: WORKDAY, fri: WORKDAY, sat: [], sun: [] },
  holidays: [],
  extra_open: [],
};

/** "9:00" or "09：30" as minutes after midnight, or null; `24:00` only as an end. */
function minutes(text, { end }) {
  const match = /^(\d{1,2})[:：](\d{2})$/.exec(text);
  if (!match) return null;
  const total = Number(match[1]) * 60 + Number(match[2]);
  if (Number(match[2]) > 59 || total > 1440 || (total === 1440 && !end)) return null;
  return total;
}

function hhmm(total) {
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * Parse one day's ranges: "09:00-12:00, 13:00-18:00" (also "～", "–", "至", "，", "；" or spaces).
 * Empty means closed. Returns `{ranges: [["09:00","12:00"], …], error: {key, params} | null}`.
 */
export function parseRanges(text) {
  const parts = String(text ?? '').replace(/\s*(?:-|–|—|~|～|至|到)\s*/g, '-')
    .split(/[\s,，;；、]+/).filter(Boolean);
  const spans = [];
  for (const part of parts) {
    const [from, to, extra] = part.split('-');
    const start = minutes(from ?? '', { end: false });
    const stop = to === undefined ? null : minutes(to, { end: true });
    if (start === null || stop === null || extra !== undefined) {
      return { ranges: [], error: { key: 'site.hours.error.range', params: { value: part } } };
    }
    if (stop <= start) return { ranges: [], error: { key: 'site.hours.error.order', params: { value: part } } };
    spans.push([start, stop]);
  }
  if (spans.length > RANGES_MAX) {
    return { ranges: [], error: { key: 'site.hours.error.tooMany', params: { max: RANGES_MAX } } };
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i += 1) {
    if (spans[i][0] < spans[i - 1][1]) return { ranges: [], error: { key: 'site.hours.error.overlap', params: {} } };
  }
  return { ranges: spans.map(([start, stop]) => [hhmm(start), hhmm(stop)]), error: null };
}

/** One day's ranges as the editor shows them: "09:00-12:00, 13:00-18:00". */
export function rangesText(ranges) {
  return (Array.isArray(ranges) ? ranges : []).map(([from, to]) => `${from}-${to}`).join(', ');
}

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** Dates, one a line (commas also do): `{dates, error}`, sorted, duplicates dropped. */
export function parseDates(text) {
  const items = String(text ?? '').split(/[\n,，;；\s]+/).map((item) => item.trim()).filter(Boolean);
  const bad = items.find((item) => !isDate(item));
  if (bad) return { dates: [], error: { key: 'site.hours.error.date', params: { value: bad } } };
  const dates = [...new Set(items)].sort();
  if (dates.length > DATES_MAX) return { dates: [], error: { key: 'site.hours.error.tooManyDates', params: { max: DATES_MAX } } };
  return { dates, error: null };
}

/** Special working days, one a line: "2026-10-10 09:00-18:00". `{days: [{date, hours}], error}`. */
export function parseExtraOpen(text) {
  const lines = String(text ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const byDate = new Map();
  for (const line of lines) {
    const [, date, rest] = /^(\S+)\s*(.*)$/.exec(line);
    if (!isDate(date)) return { days: [], error: { key: 'site.hours.error.date', params: { value: date } } };
    const { ranges, error } = parseRanges(rest);
    if (error) return { days: [], error };
    if (!ranges.length) return { days: [], error: { key: 'site.hours.error.extraHours', params: { value: date } } };
    byDate.set(date, ranges);
  }
  if (byDate.size > DATES_MAX) return { days: [], error: { key: 'site.hours.error.tooManyDates', params: { max: DATES_MAX } } };
  const days = [...byDate.keys()].sort().map((date) => ({ date, hours: byDate.get(date) }));
  return { days, error: null };
}

/** The special working days as the editor shows them. */
export function extraOpenText(days) {
  return (Array.isArray(days) ? days : []).map((day) => `${day.date} ${rangesText(day.hours)}`).join('\n');
}

function isOn(value) {
  return Array.isArray(value) ? value.length > 0 : value === true || value === 'on';
}

/**
 * The editor's fields for `hours` (the API's `business_hours`; null = always open):
 * `{hours_enabled, hours_timezone, hours_mon … hours_sun, hours_holidays, hours_extra_open}`.
 * A site that is always open shows the default week, ready to be switched on.
 */
export function hoursToForm(hours) {
  const shown = hours || DEFAULT_HOURS;
  const fields = { hours_enabled: Boolean(hours), hours_timezone: shown.timezone || DEFAULT_TIMEZONE };
  for (const day of DAYS) fields[`hours_${day}`] = rangesText(shown.week?.[day]);
  fields.hours_holidays = (shown.holidays || []).join('\n');
  fields.hours_extra_open = extraOpenText(shown.extra_open);
  return fields;
}

/**
 * `business_hours` for the API from the editor's values (as formValues() reads them):
 * `{hours, error}`; `hours` is null when the switch is off (always open). `error` names the field.
 */
export function hoursFromForm(values) {
  if (!isOn(values.hours_enabled)) return { hours: null, error: null };
  const timezone = String(values.hours_timezone || '').trim();
  if (!timezone) return { hours: null, error: { field: 'hours_timezone', key: 'validation.required' } };
  const week = {};
  for (const day of DAYS) {
    const { ranges, error } = parseRanges(values[`hours_${day}`]);
    if (error) return { hours: null, error: { field: `hours_${day}`, ...error } };
    week[day] = ranges;
  }
  const holidays = parseDates(values.hours_holidays);
  if (holidays.error) return { hours: null, error: { field: 'hours_holidays', ...holidays.error } };
  const extra = parseExtraOpen(values.hours_extra_open);
  if (extra.error) return { hours: null, error: { field: 'hours_extra_open', ...extra.error } };
  return { hours: { timezone, week, holidays: holidays.dates, extra_open: extra.days }, error: null };
}
