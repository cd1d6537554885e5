// Closed by the business hours: the weekly hours and the next opening, in the site's time zone and language (leave.js loads it only then).
import { h } from './dom.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIME = /^\d\d:\d\d$/;

/**
 * The session's weekly `hours` (the site's time zone) as text: days with the same ranges are
 * joined, "Mon–Fri 09:00–18:00; Sat 10:00–12:00". `names`: seven day names, Monday first;
 * `seps`: the language's [day to day, range and range, group and group] ("至", "、", "；").
 */
export function hoursText(hours, names, [to, and, then] = ['–', ', ', '; ']) {
  const week = hours && typeof hours.week === 'object' ? hours.week : {};
  const ranges = DAYS.map((day) => (Array.isArray(week[day]) ? week[day] : [])
    .filter((r) => Array.isArray(r) && TIME.test(r[0]) && TIME.test(r[1])).map(([a, b]) => `${a}–${b}`).join(and));
  const parts = [];
  for (let start = 0, i = 0; i < 7; i += 1) {
    if (i < 6 && ranges[i + 1] === ranges[i]) continue;
    const days = i > start ? names[start] + to + names[i] : names[start];
    if (ranges[i]) parts.push(`${days} ${ranges[i]}`);
    start = i + 1;
  }
  return parts.join(then);
}

const DATE = { month: 'long', day: 'numeric' };
const DAY = { weekday: 'short' };
const HOUR = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

/** The site's zone as people name it in `lang` ("中国标准时间", "China Standard Time"); null for a zone this browser does not know. */
export function zoneName(timeZone, lang) {
  try {
    return new Intl.DateTimeFormat(lang, { timeZone, timeZoneName: 'longGeneric' }).formatToParts().find((p) => p.type === 'timeZoneName').value;
  } catch {
    return null;
  }
}

/**
 * `{hours, opens}` texts of a closed session's `availability` (either may be ''): the hours with
 * the zone named, the next opening as a date, weekday and time there, not in the visitor's zone.
 */
export function closedTexts(availability, t, lang) {
  const timeZone = availability.hours?.timezone;
  const zone = zoneName(timeZone, lang);
  const hours = hoursText(availability.hours, t('days').split(','), t('seps').split('|'));
  const opens = new Date(availability.opens_at);
  const when = (x) => opens.toLocaleString(lang, { ...x, timeZone: zone ? timeZone : undefined });
  return {
    hours: hours && t('hours', { hours, zone: zone || timeZone }),
    opens: availability.opens_at && !Number.isNaN(opens.getTime()) ? t('opens', { date: when(DATE), day: when(DAY), time: when(HOUR) }) : '',
  };
}

/** The two lines under the form's heading. */
export function closedLines(availability, t, lang) {
  const { hours, opens } = closedTexts(availability, t, lang);
  return [hours && h('span', { class: 'sub', 'data-test': 'kefu-hours', text: hours }),
    opens && h('span', { class: 'sub', 'data-test': 'kefu-opens', text: opens })].filter(Boolean);
}
