// Chart geometry, palette and number/duration formatting for the reports, without the DOM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bandScale, extent, fitText, funnelSteps, heatGrid, heatLevel, histogramBins, linearScale, niceStep, niceTicks, sparseIndexes,
  textWidth,
} from '../../webui/js/charts/scale.js';
import { DASHES, HEAT_RAMP, OKABE_ITO, SHAPES, seriesStyle } from '../../webui/js/charts/palette.js';
import {
  dayLabel, formatCompact, formatDuration, formatNumber, formatPercent, hourLabel, weekdayNames,
} from '../../webui/js/charts/format.js';
import { CATALOGS, translate } from '../../webui/js/i18n.js';
import { lineDescription } from '../../webui/js/reports/draw.js';

test('a linear scale maps the domain onto the range, and a zero-width domain onto its start', () => {
  const y = linearScale([0, 100], [200, 0]);
  assert.equal(y(0), 200);
  assert.equal(y(50), 100);
  assert.equal(y(100), 0);
  assert.equal(linearScale([5, 5], [10, 20])(5), 10);
});

test('nice ticks are round, cover the data and never overflow the last gridline', () => {
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(7, 5), 1);
  assert.equal(niceStep(9, 5), 2);
  assert.equal(niceStep(0.3, 3), 0.1);
  assert.deepEqual(niceTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0, 93, 4), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0, 0, 4, { integer: true }), [0, 1]);
  assert.deepEqual(niceTicks(0, 0, 2), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0, 3, 5, { integer: true }), [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(0, 0.25, 5), [0, 0.05, 0.1, 0.15, 0.2, 0.25]);
  assert.deepEqual(niceTicks(10, 0, 2), [0, 5, 10]);
  for (const high of [1, 7, 13, 99, 101, 1234, 98765]) {
    const ticks = niceTicks(0, high, 4, { integer: true });
    assert.ok(ticks[ticks.length - 1] >= high, `${high}: ${ticks}`);
    assert.ok(ticks.length <= 8, `${high}: ${ticks}`);
  }
});

test('extent ignores missing values', () => {
  assert.deepEqual(extent([3, null, 9, NaN, -1]), [-1, 9]);
  assert.deepEqual(extent([]), [0, 0]);
});

test('bands split the range evenly with padding', () => {
  const band = bandScale(4, [0, 400], 0.2);
  assert.equal(band.step, 100);
  assert.equal(band.width, 80);
  assert.equal(band.start(1), 110);
  assert.equal(band.center(3), 350);
});

test('crowded axes label at most n points, always the first and last', () => {
  assert.deepEqual(sparseIndexes(5, 8), [0, 1, 2, 3, 4]);
  const many = sparseIndexes(31, 7);
  assert.ok(many.length <= 7, String(many));
  assert.equal(many[0], 0);
  assert.equal(many[many.length - 1], 30);
  assert.deepEqual(sparseIndexes(0), []);
});

test('histogram bins count every value once, the maximum in the last bin', () => {
  const bins = histogramBins([0, 5, 9.99, 10, 20, 30], 3, [0, 30]);
  assert.deepEqual(bins.map((bin) => bin.count), [3, 1, 2]);
  assert.deepEqual(bins.map((bin) => [bin.from, bin.to]), [[0, 10], [10, 20], [20, 30]]);
  assert.equal(histogramBins([4, 4, 4], 2).reduce((sum, bin) => sum + bin.count, 0), 3);
});

test('the heat-map grid is Monday-first, adds repeats and drops what is not a weekday × hour', () => {
  const { grid, max, total } = heatGrid([
    { weekday: 0, hour: 9, count: 3 }, { weekday: 0, hour: 9, count: 2 }, { weekday: 6, hour: 23, count: 1 },
    { weekday: 7, hour: 1, count: 50 }, { weekday: 1, hour: 24, count: 50 }, { weekday: 'x', hour: 1, count: 1 },
  ]);
  assert.equal(grid.length, 7);
  assert.ok(grid.every((row) => row.length === 24));
  assert.equal(grid[0][9], 5);
  assert.equal(grid[6][23], 1);
  assert.equal(max, 5);
  assert.equal(total, 6);
  const sunday = heatGrid([{ weekday: 0, hour: 0, count: 4 }, { weekday: 1, hour: 0, count: 1 }], { sundayFirst: true });
  assert.equal(sunday.grid[6][0], 4, 'Sunday moves to the last row');
  assert.equal(sunday.grid[0][0], 1);
});

test('heat levels: zero only for nothing, the top level for the maximum', () => {
  assert.equal(heatLevel(0, 10), 0);
  assert.equal(heatLevel(1, 1000), 1, 'a single chat still shows');
  assert.equal(heatLevel(10, 10), 5);
  assert.equal(heatLevel(5, 10), 3);
  assert.equal(heatLevel(3, 0), 0);
});

test('funnel steps carry their share of the first and of the previous step', () => {
  const steps = funnelSteps([{ key: 'shown', count: 200 }, { key: 'accepted', count: 50 }, { key: 'chats', count: 0 },
    { key: 'leads', count: 0 }]);
  assert.equal(steps[0].ofFirst, 1);
  assert.equal(steps[1].ofFirst, 0.25);
  assert.equal(steps[1].ofPrevious, 0.25);
  assert.equal(steps[2].ofPrevious, 0);
  assert.equal(steps[3].ofPrevious, null, 'no share of nothing');
  assert.equal(funnelSteps([{ count: 0 }, { count: 0 }])[1].ofFirst, null);
});

test('series differ in colour, marker and dash, from the Okabe–Ito palette', () => {
  assert.equal(OKABE_ITO.length, 8);
  const looks = [0, 1, 2, 3, 4, 5].map(seriesStyle);
  assert.equal(new Set(looks.map((look) => look.shape)).size, 6);
  assert.equal(new Set(looks.map((look) => look.dash)).size, 6);
  assert.equal(new Set(looks.map((look) => look.color)).size, 6);
  for (const look of looks) assert.ok(OKABE_ITO.includes(look.color) && SHAPES.includes(look.shape) && DASHES.includes(look.dash));
  assert.notEqual(seriesStyle(0).color, '#F0E442', 'the first series is not the yellow that vanishes on white');
  assert.equal(HEAT_RAMP[0], 'none');
});

test('numbers, percentages and compact axis labels in zh-CN and English', () => {
  assert.equal(formatNumber(12345.67, 'en'), '12,345.7');
  assert.equal(formatNumber(12345, 'zh-CN'), '12,345');
  assert.equal(formatNumber(null, 'en'), '—');
  assert.equal(formatPercent(0.4567, 'en'), '45.7%');
  assert.equal(formatPercent(null, 'zh-CN'), '—');
  assert.equal(formatCompact(12000, 'zh-CN'), '1.2万');
  assert.equal(formatCompact(12000, 'en'), '12K');
});

test('durations use the two largest units, in each language', () => {
  assert.equal(formatDuration(45, 'zh-CN'), '45秒');
  assert.equal(formatDuration(45, 'en'), '45s');
  assert.equal(formatDuration(125, 'zh-CN'), '2分5秒');
  assert.equal(formatDuration(125, 'en'), '2m 5s');
  assert.equal(formatDuration(120, 'en'), '2m');
  assert.equal(formatDuration(7380, 'zh-CN'), '2小时3分');
  assert.equal(formatDuration(3605, 'en'), '1h');
  assert.equal(formatDuration(90000, 'en'), '1d 1h');
  assert.equal(formatDuration(0, 'en'), '0s');
  assert.equal(formatDuration(12.6, 'en'), '13s');
  assert.equal(formatDuration(null, 'en'), '—');
  assert.equal(formatDuration(undefined, 'zh-CN'), '—');
});

test('weekday names start on Monday; hours and days read naturally', () => {
  assert.deepEqual(weekdayNames('en'), ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  assert.equal(weekdayNames('zh-CN')[0], '周一');
  assert.equal(weekdayNames('zh-CN')[6], '周日');
  assert.equal(hourLabel(9), '09:00');
  assert.equal(dayLabel('2026-12-06', 'en'), 'Dec 6');
  assert.equal(dayLabel('2026-12-06', 'zh-CN'), '12月6日');
  assert.equal(dayLabel('not a day', 'en'), 'not a day');
});

test('labels are shortened to the room they have, Chinese counted a full em wide', () => {
  assert.equal(textWidth('ab'), 15);
  assert.equal(textWidth('牙齿'), 26);
  assert.equal(fitText('官网', 100), '官网');
  const long = fitText('牙齿美白多少钱牙齿美白多少钱牙齿美白多少钱', 100);
  assert.ok(long.endsWith('…') && textWidth(long) <= 100, long);
  const hostile = fitText('<img src=x onerror="window.__pwned=1">', 120);
  assert.ok(hostile.startsWith('<img src=x') && hostile.endsWith('…'), hostile);
});

test("a line chart's description lists its lines the UI language's way", () => {
  const spec = { labels: ['2026-12-01', '2026-12-02'], series: [{ name: 'Visits' }, { name: 'Page views' }, { name: 'Chats' }] };
  const en = (key, params) => translate(CATALOGS, 'en', key, params);
  assert.match(lineDescription(spec, en, 'en'), /^Line chart of Visits, Page views, Chats over 2 points/);
  const zh = (key, params) => translate(CATALOGS, 'zh-CN', key, params);
  assert.match(lineDescription({ ...spec, series: [{ name: '访问' }, { name: '对话' }] }, zh, 'zh-CN'), /^折线图：访问、对话，/);
});
