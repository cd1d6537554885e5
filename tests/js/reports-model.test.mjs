// Reports without the DOM: kinds and filters per role, the query, choices, errors, blocks and the live board's watch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGS, translate } from '../../webui/js/i18n.js';
import { reportBlocks, summaryFigures } from '../../webui/js/reports/blocks.js';
import { agentsAtWork, BoardWatch, boardAgents, comparisons, hoursSoFar, liveWait, localHour } from '../../webui/js/reports/board-model.js';
import { csvRows } from '../../webui/js/reports/csv.js';
import { dispositionName, fraction } from '../../webui/js/reports/download.js';
import {
  filterChoices, filtersFor, heatCells, keepChoice, kindsFor, lastDayOf, loadLines, rankingLabel, ratingTotals,
  reportErrorKey, reportQuery, sourceKindLabel, sourceLabel,
} from '../../webui/js/reports/model.js';

const en = (key, params) => translate(CATALOGS, 'en', key, params);
const zh = (key, params) => translate(CATALOGS, 'zh-CN', key, params);

test('who sees which report: agents their own chats and row, clients no agents report', () => {
  assert.deepEqual(kindsFor('owner'), ['traffic', 'chats', 'agents', 'conversion']);
  assert.deepEqual(kindsFor('supervisor'), ['traffic', 'chats', 'agents', 'conversion']);
  assert.deepEqual(kindsFor('agent'), ['chats', 'agents']);
  assert.deepEqual(kindsFor('client'), ['traffic', 'chats', 'conversion']);
});

test('the query carries the range, grain and only the filters the kind takes', () => {
  const state = { from: '2026-11-01', to: '2026-11-30', grain: 'week', site_id: 3, team_id: 4, agent_id: null };
  assert.equal(String(reportQuery('chats', state, 'owner')), 'from=2026-11-01&to=2026-11-30&grain=week&site_id=3&team_id=4');
  assert.equal(String(reportQuery('traffic', state, 'owner')), 'from=2026-11-01&to=2026-11-30&grain=week&site_id=3',
    'traffic is not per team or agent (the server refuses them)');
  assert.equal(String(reportQuery('agents', { ...state, agent_id: 9 }, 'agent')), 'from=2026-11-01&to=2026-11-30&grain=week&site_id=3',
    'an agent is always themself');
  assert.deepEqual(filtersFor('conversion', 'owner'), ['site_id']);
});

test("a report's last day is the day before its exclusive end", () => {
  assert.equal(lastDayOf({ to: '2026-12-01' }), '2026-11-30');
  assert.equal(lastDayOf({ to: '2027-01-01' }), '2026-12-31');
});

test("filter choices stay within the company: its sites, their teams and shared ones, agents serving them", () => {
  const choices = filterChoices(1, {
    sites: [{ id: 1, company_id: 1, name: 'A' }, { id: 2, company_id: 2, name: 'B' }],
    teams: [{ id: 10, site_id: 1, name: 'T1' }, { id: 11, site_id: 2, name: 'T2' }, { id: 12, site_id: null, name: 'Shared' }],
    agents: [{ id: 5, display_name: 'Li', site_ids: [1] }, { id: 6, display_name: 'Wang', site_ids: [2] }],
  });
  assert.deepEqual(choices.sites, [{ id: 1, name: 'A' }]);
  assert.deepEqual(choices.teams.map((team) => team.id), [10, 12]);
  assert.deepEqual(choices.agents, [{ id: 5, name: 'Li' }]);
  assert.equal(keepChoice(2, choices.sites), null, "another company's site is dropped");
  assert.equal(keepChoice(1, choices.sites), 1);
});

test('report refusals are worded by the reports catalogue, not the flat field errors of other forms', () => {
  assert.equal(reportErrorKey({ code: 'invalid', field: 'to' }), 'reports.error.invalid.to');
  assert.equal(reportErrorKey({ code: 'not_found', field: 'site_id' }), 'reports.error.not_found.site_id');
  assert.equal(reportErrorKey({ code: 'invalid', field: 'name' }), null);
  assert.equal(reportErrorKey({ code: 'rate_limited', field: 'from' }), null);
  assert.equal(reportErrorKey(null), null);
  for (const key of ['reports.error.invalid.from', 'reports.error.invalid.to', 'reports.error.not_found.site_id',
    'reports.error.not_found.team_id', 'reports.error.not_found.agent_id', 'reports.error.forbidden.site_id']) {
    assert.notEqual(en(key), key);
    assert.notEqual(zh(key), key);
  }
  assert.doesNotMatch(en('reports.error.invalid.to'), /mail/i, 'not the test-mail wording of error.invalid.to');
});

test('helpers: other, ratings, load lines, the heat map as cells', () => {
  assert.equal(rankingLabel('(other)', 'Other'), 'Other');
  assert.equal(rankingLabel('baidu', 'Other'), 'baidu');
  assert.deepEqual(ratingTotals([{ rating: { distribution: { 1: 1, 5: 2 } } }, { rating: { distribution: { 5: 1, 4: 3 } } }, {}]),
    { 1: 1, 2: 0, 3: 0, 4: 3, 5: 3 });
  const lines = loadLines([{ period: 'd1', agent_id: 2, average_load: 1.5, chat_seconds: 10 },
    { period: 'd2', agent_id: 1, average_load: 3, chat_seconds: 100 }], ['d1', 'd2']);
  assert.deepEqual(lines, [{ agentId: 1, values: [0, 3] }, { agentId: 2, values: [1.5, 0] }]);
  const cells = heatCells([[0, 2, ...Array(22).fill(0)], ...Array(6).fill(Array(24).fill(0))]);
  assert.equal(cells.length, 168);
  assert.deepEqual(cells[1], { weekday: 0, hour: 1, count: 2 });
});

const chats = {
  kind: 'chats', grain: 'day', from: '2026-11-30', to: '2026-12-02', timezone: 'Asia/Shanghai', scope: 'company',
  totals: { chats: 3, answered: 2, missed: 1, unanswered: 1, left_messages: 1, left_messages_answered: 0, transfers: 1,
    bot_only: 0, human: 2, rated: 1, queued: 1 },
  first_response: { median: 12, p90: 40, average: 20, count: 2 }, duration: { median: 1800, p90: 1800, average: 1800, count: 1 },
  queue_wait: { median: 30, p90: 30, average: 30, count: 1 }, left_message_answer: { median: null, p90: null, average: null, count: 0 },
  heatmap: Array.from({ length: 7 }, (_, day) => Array.from({ length: 24 }, (__, hour) => (day === 0 && hour === 23 ? 2 : 0))),
  series: [{ period: '2026-11-30', chats: 2, answered: 1, missed: 1, left_messages: 1, first_response_median: 40 },
    { period: '2026-12-01', chats: 1, answered: 1, missed: 0, left_messages: 0, first_response_median: 12 }],
};

test('the chats report: figures keep raw values, durations shown as durations, every block exportable', () => {
  const figures = summaryFigures('chats', chats, en, 'en');
  const first = figures.find((figure) => figure.key === 'first_response_median');
  assert.equal(first.value, 12);
  assert.equal(first.text, '12s');
  assert.equal(figures.find((figure) => figure.key === 'missed').text, '1');
  const blocks = reportBlocks('chats', chats, { t: en, lang: 'en', labels: {} });
  assert.deepEqual(blocks.map((block) => block.id), ['summary', 'series', 'heatmap', 'timing']);
  const series = csvRows(blocks[1].columns, blocks[1].items);
  assert.deepEqual(series[0], ['Day', 'Chats', 'Answered', 'Missed', 'Left messages', 'First response (median) (seconds)']);
  assert.deepEqual(series[1], ['2026-11-30', 2, 1, 1, 1, 40]);
  const heat = csvRows(blocks[2].columns, blocks[2].items);
  assert.equal(heat.length, 8);
  assert.equal(heat[1][0], 'Mon');
  assert.equal(heat[1][24], 2, 'Monday 23:00');
  assert.equal(blocks[2].chart.type, 'heat');
  const timing = csvRows(blocks[3].columns, blocks[3].items);
  assert.deepEqual(timing[1], ['First response', 12, 40, 20, 2]);
  assert.deepEqual(timing[4], ['Left message answered in', null, null, null, 0]);
  const summary = csvRows(blocks[0].columns, blocks[0].items);
  assert.deepEqual(summary.find((row) => row[0] === 'Chats'), ['Chats', 3]);
});

test('the other reports: labels from the answer, the funnel with its shares, the rule invited by an agent', () => {
  const labels = { agents: { 7: '<img src=x onerror=alert(1)>' } };
  const agents = { grain: 'day', totals: { chats: 4, answered: 3, rating_average: 4.5, rated: 2 },
    agents: [{ agent_id: 7, chats: 4, answered: 3, first_response: { median: 10, p90: 30 }, rating: { average: 4.5, count: 2,
      distribution: { 4: 1, 5: 1 } }, average_load: 1.25, online_seconds: 3600, busy_seconds: 0, away_seconds: 60 }],
    load_series: [{ period: '2026-12-01', agent_id: 7, average_load: 1.25, chat_seconds: 4500 }] };
  const [, table, ratings, load] = reportBlocks('agents', agents, { t: zh, lang: 'zh-CN', labels });
  const rows = csvRows(table.columns, table.items);
  assert.equal(rows[1][0], '<img src=x onerror=alert(1)>', 'a name is data, kept as text');
  assert.deepEqual(rows[1].slice(1), [4, 3, 10, 30, 4.5, 2, 1.25, 3600, 0, 60]);
  assert.deepEqual(ratings.items.map((item) => item.count), [0, 0, 0, 1, 1]);
  assert.deepEqual(load.chart.series, [{ name: '<img src=x onerror=alert(1)>', values: [1.25] }]);
  const conversion = { funnel: { invitations: 200, accepted: 50, chats: 40, leads: 10, effective: 5 },
    by_rule: [{ rule_id: null, invitations: 10, accepted: 1, chats: 1, leads: 0, effective: 0 }],
    by_source: [{ source: '(other)', visits: 9, invitations: 1, accepted: 0, chats: 0, leads: 0, effective: 0 }] };
  const [summary, funnel, byRule, bySource] = reportBlocks('conversion', conversion, { t: en, lang: 'en', labels: {} });
  assert.deepEqual(summary.items.map((item) => item.value), [200, 50, 40, 10, 5]);
  assert.deepEqual(csvRows(funnel.columns, funnel.items)[2], ['Accepted', 50, 0.25, 0.25]);
  assert.equal(csvRows(byRule.columns, byRule.items)[1][0], 'Invited by an agent');
  assert.equal(csvRows(bySource.columns, bySource.items)[1][0], 'Other');
  const traffic = { grain: 'week', totals: { visits: 10, chat_rate: 0.2 }, series: [{ period: '2026-W49', visits: 10 }],
    sources: [{ kind: 'search', source: 'baidu', visits: 7 }], keywords: [], entry_pages: [], devices: [{ device: '', visits: 1 }], regions: [] };
  const blocks = reportBlocks('traffic', traffic, { t: en, lang: 'en', labels: {} });
  assert.equal(summaryFigures('traffic', traffic, en, 'en').find((figure) => figure.key === 'chat_rate').text, '20%');
  assert.deepEqual(csvRows(blocks[2].columns, blocks[2].items)[1], ['Search', 'baidu', 7]);
  assert.equal(csvRows(blocks[5].columns, blocks[5].items)[1][0], 'Unknown');
  assert.equal(blocks[1].columns[0].label, 'Week');
});

test('source codes are worded, in the chart, the table and the CSV the browser makes: direct, unknown, other', () => {
  assert.equal(sourceLabel('direct', zh), '直接访问');
  assert.equal(sourceLabel('unknown', en), 'Unknown');
  assert.equal(sourceLabel('(other)', zh), '其他');
  assert.equal(sourceLabel('百度', en), '百度');
  assert.equal(sourceKindLabel('', zh), '未知');
  assert.equal(sourceKindLabel('direct', en), 'Direct');
  const traffic = { grain: 'day', totals: {}, series: [], keywords: [], entry_pages: [], devices: [],
    sources: [{ kind: 'direct', source: 'direct', visits: 3 }, { kind: 'unknown', source: 'unknown', visits: 1 }],
    regions: [{ country: '', province: '', visits: 2 }, { country: '中国', province: '广东', visits: 1 }] };
  for (const [t, direct, unknown] of [[zh, '直接访问', '未知'], [en, 'Direct', 'Unknown']]) {
    const blocks = reportBlocks('traffic', traffic, { t, lang: t === zh ? 'zh-CN' : 'en', labels: {} });
    const sources = blocks.find((block) => block.id === 'sources');
    assert.deepEqual(csvRows(sources.columns, sources.items).slice(1), [[direct, direct, 3], [unknown, unknown, 1]]);
    assert.deepEqual(sources.chart.items.map((item) => item.label), [direct, unknown]);
    const regions = blocks.find((block) => block.id === 'regions');
    assert.deepEqual(regions.chart.items.map((item) => item.label), [unknown, '中国 广东'], 'no bar without a label');
    assert.equal(csvRows(regions.columns, regions.items)[1][0], unknown);
    const conversion = { funnel: {}, by_rule: [], by_keyword: [], by_page: [],
      by_source: [{ source: 'unknown', visits: 0, chats: 2 }, { source: 'direct', visits: 5, chats: 1 }] };
    const bySource = reportBlocks('conversion', conversion, { t, lang: 'en', labels: {} }).find((block) => block.id === 'by_source');
    assert.deepEqual(csvRows(bySource.columns, bySource.items).slice(1).map((row) => row[0]), [unknown, direct]);
    assert.deepEqual(bySource.chart.items.map((item) => item.label), [unknown, direct]);
  }
});

test('the board watch: sent on watch and after every reconnect, stopped only by its own page', () => {
  const sent = [];
  const watch = new BoardWatch((frame) => { sent.push(frame); return true; });
  const seen = [];
  const first = watch.watch({ companyId: 1 }, (message) => seen.push(message));
  assert.deepEqual(sent.pop(), { type: 'board_watch', company_id: 1, site_id: null, watch: true });
  watch.hello();
  assert.deepEqual(sent.pop(), { type: 'board_watch', company_id: 1, site_id: null, watch: true });
  assert.ok(watch.handle({ type: 'board', board: { company_id: 1, chatting: 2 } }));
  assert.ok(watch.handle({ type: 'board', board: { company_id: 2, chatting: 9 } }), 'a stale company is swallowed');
  assert.deepEqual(seen, [{ board: { company_id: 1, chatting: 2 } }]);
  assert.ok(watch.handle({ type: 'error', request: 'board_watch', error: { code: 'forbidden' } }));
  assert.deepEqual(seen.pop(), { error: { code: 'forbidden' } });
  assert.ok(!watch.handle({ type: 'error', request: 'sync' }));
  assert.ok(!watch.handle({ type: 'message' }));
  const second = watch.watch({ companyId: 1, siteId: 3 }, () => {});
  watch.stop(first);
  assert.equal(sent.length, 1, 'the first page leaving does not stop the second');
  watch.stop(second);
  assert.deepEqual(sent.pop(), { type: 'board_watch', company_id: 1, site_id: 3, watch: false });
  watch.hello();
  assert.equal(sent.length, 1, 'nothing to watch again after stopping');
});

test('the board: the wait counts on, today against last week like with like, agents at work first', () => {
  const now = Date.parse('2026-12-06T08:00:00Z');
  assert.equal(liveWait({ waiting: 1, oldest_queued_at: '2026-12-06T07:58:30Z', longest_wait_seconds: 60 }, now), 90);
  assert.equal(liveWait({ waiting: 0, oldest_queued_at: null, longest_wait_seconds: 0 }, now), 0);
  const rows = comparisons({ today: { chats: 15, missed: 0, visits: 3, leads: 1 }, last_week: { chats: 30, missed: 4, visits: 9, leads: 2 },
    last_week_until_now: { chats: 12, visits: 0 } });
  assert.deepEqual(rows.map((row) => row.key), ['chats', 'missed', 'visits', 'leads']);
  assert.deepEqual(rows.map((row) => row.lastWeek), [12, 4, 0, 2]);
  assert.deepEqual(rows.map((row) => row.wholeDay), [false, true, false, true], 'missed and leads: only the whole day is known');
  assert.deepEqual(rows.map((row) => row.change), [0.25, null, null, null], 'no change against nothing or a day not over');
  const agents = boardAgents([{ name: 'b', status: 'away', load: 0 }, { name: 'c', status: 'online', load: 1 },
    { name: 'a', status: 'online', load: 3 }, { name: 'd', status: 'busy', load: 0 }]);
  assert.deepEqual(agents.map((agent) => agent.name), ['a', 'c', 'd', 'b']);
  assert.equal(agentsAtWork(agents), 3);
});

test('downloads: the file name from Content-Disposition, never a path; progress when the length is known', () => {
  assert.equal(dispositionName('attachment; filename="chats-1-2026-11-01_2026-11-30.xlsx"'), 'chats-1-2026-11-01_2026-11-30.xlsx');
  assert.equal(dispositionName("attachment; filename*=UTF-8''%E5%AF%B9%E8%AF%9D.xlsx; filename=\"x.xlsx\""), '对话.xlsx');
  assert.equal(dispositionName('attachment; filename="../../etc/passwd"'), 'passwd');
  assert.equal(dispositionName(null, 'report.xlsx'), 'report.xlsx');
  assert.equal(fraction(50, 200), 0.25);
  assert.equal(fraction(50, 0), null);
  assert.equal(fraction(300, 200), 1);
});

test("today's hours stop at the company's current hour: later ones are not yet, not zero", () => {
  assert.equal(localHour('2026-12-06T06:30:00Z', 'Asia/Shanghai'), 14);
  assert.equal(localHour('2026-12-06T16:30:00Z', 'Asia/Shanghai'), 0, 'past midnight in Shanghai');
  assert.equal(localHour('2026-12-06T06:30:00Z', 'Nowhere/Else'), 6);
  const counts = Array.from({ length: 24 }, (_, hour) => hour);
  const today = hoursSoFar(counts, { at: '2026-12-06T06:30:00Z', timezone: 'Asia/Shanghai' });
  assert.deepEqual(today.slice(13, 16), [13, 14, null]);
  assert.equal(today.filter((value) => value === null).length, 9);
});
