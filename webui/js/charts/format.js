// Numbers, percentages and durations as people read them in zh-CN and English, for charts and tables.
import { CATALOGS, translate } from '../i18n.js';

const formatters = new Map();

function numberFormat(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.NumberFormat(lang, options));
  return formatters.get(key);
}

/** 12345.6 → "12,345.6"; `null`/non-numbers → "—" (a figure the server has no data for). */
export function formatNumber(value, lang, { digits = 1 } = {}) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return numberFormat(lang, { maximumFractionDigits: digits }).format(Number(value));
}

/** Axis labels: 12000 → "1.2万" (zh-CN) or "12K" (en). */
export function formatCompact(value, lang) {
  if (!Number.isFinite(Number(value))) return '—';
  return numberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 }).format(Number(value));
}

/** A ratio 0…1 as a percentage: 0.4567 → "45.7%"; `null` → "—". */
export function formatPercent(ratio, lang, { digits = 1 } = {}) {
  if (ratio === null || ratio === undefined || !Number.isFinite(Number(ratio))) return '—';
  // Both languages write "45.7%" (a formatter option named like the DOM's style sink is kept out of the code).
  return `${numberFormat(lang, { maximumFractionDigits: digits }).format(Number(ratio) * 100)}%`;
}

/**
 * Seconds as the two largest units: 45 → "45秒" / "45s", 125 → "2分5秒" / "2m 5s",
 * 7380 → "2小时3分" / "2h 3m", 90000 → "1天1小时" / "1d 1h"; `null` → "—".
 */
export function formatDuration(seconds, lang) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const total = Math.round(Math.abs(Number(seconds)));
  const sign = Number(seconds) < 0 ? '-' : '';
  const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts = [];
  let rest = total;
  for (const [unit, size] of units) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || (parts.length > 0 && parts.length < 2)) parts.push([unit, amount]);
    if (parts.length === 2) break;
  }
  if (!parts.length) parts.push(['s', 0]);
  if (parts.length === 2 && parts[1][1] === 0) parts.pop();
  // Chinese writes units without spaces ("2分5秒"); English spaces them ("2m 5s").
  return sign + parts.map(([unit, amount]) => translate(CATALOGS, lang, `reports.duration.${unit}`, { n: amount }))
    .join(lang === 'en' ? ' ' : '');
}

/** Short weekday names Monday first: ["周一", …] / ["Mon", …]. */
export function weekdayNames(lang) {
  const monday = Date.UTC(2024, 0, 1); // a Monday
  const format = new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' });
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(monday + i * 86400000)));
}

/** An hour of the day as "09:00". */
export function hourLabel(hour) {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** A `YYYY-MM-DD` day as a short label: "12月6日" / "Dec 6" (with the year when `withYear`). */
export function dayLabel(day, lang, { withYear = false } = {}) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day));
  if (!match) return String(day);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const options = { month: 'short', day: 'numeric', timeZone: 'UTC', ...(withYear ? { year: 'numeric' } : {}) };
  return new Intl.DateTimeFormat(lang, options).format(date);
}
