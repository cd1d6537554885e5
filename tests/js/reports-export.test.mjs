// CSV built in the browser and the report's date ranges in the company's time zone, without the DOM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOM, csvCell, csvFileName, csvRows, toCsv } from '../../webui/js/reports/csv.js';
import { addDays, parseDay, PRESETS, presetOf, presetRange, rangeProblem, spanDays, todayIn } from '../../webui/js/reports/dates.js';

test('cells a spreadsheet would run as formulas get a leading quote', () => {
  for (const text of ['=1+1', '+86 138', '-2', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x")']) {
    assert.ok(csvCell(text).replace(/^"/, '').startsWith("'"), text);
  }
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('a=b'), 'a=b');
  assert.equal(csvCell(-2), '-2', 'a negative number is a number');
  assert.equal(csvCell(0), '0');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(NaN), '');
});

test('cells with commas, quotes or line breaks are quoted', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
});

test('a CSV starts with a BOM and ends lines with CRLF', () => {
  const text = toCsv([['站点', '对话'], ['牙科', 3], ['=cmd', -1]]);
  assert.ok(text.startsWith(BOM));
  assert.equal(text, `${BOM}站点,对话\r\n牙科,3\r\n'=cmd,-1\r\n`);
});

test('rows come from the column definitions, raw values not formatted text', () => {
  const columns = [{ key: 'site', label: '站点' }, { key: 'wait', label: '等待', csvLabel: '等待（秒）', text: (v) => `${v}秒` },
    { label: '合计', value: (item) => item.a + item.b }];
  assert.deepEqual(csvRows(columns, [{ site: 'A', wait: 12, a: 1, b: 2 }]), [['站点', '等待（秒）', '合计'], ['A', 12, 3]]);
});

test('file names drop characters no file system allows', () => {
  assert.equal(csvFileName('对话 · 按小时', '2026-11-01', '2026-11-30'), '对话-按小时_2026-11-01_2026-11-30.csv');
  assert.equal(csvFileName('a/b:c*?"<>|', '', ''), 'abc.csv');
  assert.equal(csvFileName('', '2026-01-01'), 'report_2026-01-01.csv');
});

test("today is the company's calendar day, not the browser's", () => {
  const now = new Date('2026-12-06T17:30:00Z'); // 01:30 on the 7th in Shanghai, still the 6th in New York
  assert.equal(todayIn('Asia/Shanghai', now), '2026-12-07');
  assert.equal(todayIn('America/New_York', now), '2026-12-06');
  assert.equal(todayIn('UTC', now), '2026-12-06');
  assert.equal(todayIn('Not/AZone', now), '2026-12-06', 'an unknown zone falls back to UTC');
});

test('presets: today, yesterday, the last 7 and 30 days, this and last month', () => {
  const today = '2026-03-01';
  assert.deepEqual(presetRange('today', today), { from: '2026-03-01', to: '2026-03-01' });
  assert.deepEqual(presetRange('yesterday', today), { from: '2026-02-28', to: '2026-02-28' });
  assert.deepEqual(presetRange('last7', today), { from: '2026-02-23', to: '2026-03-01' });
  assert.deepEqual(presetRange('last30', today), { from: '2026-01-31', to: '2026-03-01' });
  assert.deepEqual(presetRange('thisMonth', today), { from: '2026-03-01', to: '2026-03-01' });
  assert.deepEqual(presetRange('lastMonth', today), { from: '2026-02-01', to: '2026-02-28' });
  assert.deepEqual(presetRange('lastMonth', '2024-03-15'), { from: '2024-02-01', to: '2024-02-29' }, 'leap year');
  assert.deepEqual(presetRange('lastMonth', '2027-01-10'), { from: '2026-12-01', to: '2026-12-31' }, 'across the year');
  assert.equal(presetRange('nonsense', today), null);
  for (const preset of PRESETS) assert.equal(presetOf(presetRange(preset, '2026-12-16'), '2026-12-16'), preset);
  assert.equal(presetOf({ from: '2026-01-01', to: '2026-01-05' }, '2026-12-16'), null);
});

test('days: real ones only, moved and counted across months', () => {
  assert.equal(parseDay('2026-02-30'), null);
  assert.equal(parseDay('2026-2-3'), null);
  assert.ok(parseDay('2024-02-29'));
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(spanDays('2026-01-01', '2026-12-31'), 365);
  assert.equal(spanDays('2026-01-02', '2026-01-01'), 0);
});

test('a range is checked before it is asked for: real days, in order, at most a year', () => {
  assert.equal(rangeProblem({ from: '2026-01-01', to: '2026-01-31' }), null);
  assert.deepEqual(rangeProblem({ from: '2026-01-31', to: '2026-01-01' }), { field: 'to', key: 'reports.range.reversed' });
  assert.deepEqual(rangeProblem({ from: 'x', to: '2026-01-01' }), { field: 'from', key: 'reports.range.badDay' });
  assert.deepEqual(rangeProblem({ from: '2026-01-01', to: '2026-13-01' }), { field: 'to', key: 'reports.range.badDay' });
  assert.deepEqual(rangeProblem({ from: '2020-01-01', to: '2026-01-01' }), { field: 'from', key: 'reports.range.tooLong' });
  assert.equal(rangeProblem({ from: '2025-01-01', to: '2025-12-31' }), null);
});
