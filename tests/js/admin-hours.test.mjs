// Business hours: the editor's text fields to the API's business_hours JSON and back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DAYS, DEFAULT_HOURS, DEFAULT_TIMEZONE, hoursFromForm, hoursToForm, isDate, parseDates, parseExtraOpen, parseRanges,
  rangesText, TIMEZONES,
} from '../../webui/js/business-hours.js';

const SCHEDULE = {
  timezone: 'Asia/Shanghai',
  week: {
    mon: [['09:00', '12:00'], ['13:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']],
    thu: [['09:00', '18:00']], fri: [['09:00', '24:00']], sat: [], sun: [],
  },
  holidays: ['2026-10-01', '2026-10-02'],
  extra_open: [{ date: '2026-10-11', hours: [['09:00', '18:00']] }],
};

/** The form values as formValues() reads them (the switch is a checkbox list). */
function asValues(fields) {
  return { ...fields, hours_enabled: fields.hours_enabled ? ['on'] : [] };
}

test('a schedule round-trips through the form', () => {
  const fields = hoursToForm(SCHEDULE);
  assert.equal(fields.hours_enabled, true);
  assert.equal(fields.hours_mon, '09:00-12:00, 13:00-18:00');
  assert.equal(fields.hours_sat, '');
  assert.equal(fields.hours_holidays, '2026-10-01\n2026-10-02');
  assert.equal(fields.hours_extra_open, '2026-10-11 09:00-18:00');
  assert.deepEqual(hoursFromForm(asValues(fields)), { hours: SCHEDULE, error: null });
});

test('always open (null) shows the default week, switched off, and saves as null', () => {
  const fields = hoursToForm(null);
  assert.equal(fields.hours_enabled, false);
  assert.equal(fields.hours_timezone, DEFAULT_TIMEZONE);
  assert.equal(fields.hours_wed, '09:00-18:00');
  assert.equal(fields.hours_sun, '');
  assert.deepEqual(hoursFromForm(asValues(fields)), { hours: null, error: null });
  assert.deepEqual(hoursFromForm({ ...asValues(fields), hours_mon: 'nonsense' }), { hours: null, error: null });
  const on = hoursFromForm({ ...asValues(fields), hours_enabled: ['on'] });
  assert.deepEqual(on.hours, DEFAULT_HOURS);
});

test('ranges accept loose writing and come out sorted as HH:MM', () => {
  assert.deepEqual(parseRanges('13:00-18:00，9:00 ~ 12:00').ranges, [['09:00', '12:00'], ['13:00', '18:00']]);
  assert.deepEqual(parseRanges('9：30至17：00').ranges, [['09:30', '17:00']]);
  assert.deepEqual(parseRanges('08:00 - 12:00; 14:00–24:00').ranges, [['08:00', '12:00'], ['14:00', '24:00']]);
  assert.deepEqual(parseRanges('  '), { ranges: [], error: null });
  assert.equal(rangesText([['09:00', '12:00'], ['13:00', '18:00']]), '09:00-12:00, 13:00-18:00');
  assert.equal(rangesText(undefined), '');
});

test('bad ranges name what is wrong', () => {
  assert.equal(parseRanges('9-18').error.key, 'site.hours.error.range');
  assert.equal(parseRanges('25:00-26:00').error.key, 'site.hours.error.range');
  assert.equal(parseRanges('09:60-10:00').error.key, 'site.hours.error.range');
  assert.equal(parseRanges('24:00-24:00').error.key, 'site.hours.error.range');
  assert.equal(parseRanges('09:00').error.key, 'site.hours.error.range');
  assert.equal(parseRanges('09:00-10:00-11:00').error.key, 'site.hours.error.range');
  assert.deepEqual(parseRanges('18:00-09:00').error, { key: 'site.hours.error.order', params: { value: '18:00-09:00' } });
  assert.equal(parseRanges('09:00-12:00, 11:00-13:00').error.key, 'site.hours.error.overlap');
  assert.deepEqual(parseRanges('09:00-12:00, 12:00-13:00').error, null, 'touching ranges do not overlap');
  const seven = Array.from({ length: 7 }, (_, i) => `${10 + i}:00-${10 + i}:30`).join(',');
  assert.equal(parseRanges(seven).error.key, 'site.hours.error.tooMany');
});

test('dates must be real calendar days; duplicates go, order is kept by date', () => {
  assert.ok(isDate('2028-02-29'));
  assert.ok(!isDate('2026-02-29'));
  assert.ok(!isDate('2026-1-5'));
  assert.deepEqual(parseDates('2026-10-02\n2026-10-01, 2026-10-02\n\n'), { dates: ['2026-10-01', '2026-10-02'], error: null });
  assert.deepEqual(parseDates('10/01/2026').error, { key: 'site.hours.error.date', params: { value: '10/01/2026' } });
});

test('special working days need a date and hours', () => {
  assert.deepEqual(parseExtraOpen('2026-10-11 9:00-18:00\n2026-09-28 09:00-12:00'), {
    days: [{ date: '2026-09-28', hours: [['09:00', '12:00']] }, { date: '2026-10-11', hours: [['09:00', '18:00']] }],
    error: null,
  });
  assert.equal(parseExtraOpen('2026-10-11').error.key, 'site.hours.error.extraHours');
  assert.equal(parseExtraOpen('tomorrow 09:00-18:00').error.key, 'site.hours.error.date');
  assert.equal(parseExtraOpen('2026-10-11 9-18').error.key, 'site.hours.error.range');
});

test('the first mistake in the form names its field', () => {
  const values = asValues(hoursToForm(SCHEDULE));
  assert.equal(hoursFromForm({ ...values, hours_thu: '18:00-09:00' }).error.field, 'hours_thu');
  assert.equal(hoursFromForm({ ...values, hours_holidays: '2026-13-01' }).error.field, 'hours_holidays');
  assert.equal(hoursFromForm({ ...values, hours_extra_open: 'x' }).error.field, 'hours_extra_open');
  assert.equal(hoursFromForm({ ...values, hours_timezone: '' }).error.field, 'hours_timezone');
});

test('the time-zone list starts with Shanghai and every weekday has a field', () => {
  assert.equal(TIMEZONES[0], 'Asia/Shanghai');
  assert.ok(TIMEZONES.includes('UTC'));
  assert.deepEqual(Object.keys(hoursToForm(SCHEDULE)).filter((k) => DAYS.some((d) => k === `hours_${d}`)).length, 7);
});
