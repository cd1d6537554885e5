// The live visitor list's state: snapshot, deltas, invitations, filters, sorting, counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deviceLine, durationText, LiveVisitorList, normalizeFilter, placeText,
} from '../../webui/js/console/live-visitors.js';
import { conditionsFrom, conditionsSummary, ruleBody, ruleValues, textsFrom } from '../../webui/js/invitation-rules.js';
import { siteVisitorsBody, templatesFrom } from '../../webui/js/payloads.js';

function visitor(id, over = {}) {
  return {
    id, site_id: 1, name: '', state: 'browsing', page: { url: `https://a.example/p/${id}`, title: `页面 ${id}` },
    source: { kind: 'direct', name: '', keyword: '' }, place: { country: '中国', province: '广东', city: '深圳' },
    device: { browser: 'Chrome 120', os: 'Windows 10', device: 'desktop' }, language: 'zh-CN',
    visit_started_at: `2026-12-06T06:00:${String(id).padStart(2, '0')}Z`, page_count: 1, returning: false,
    visit_number: 1, conversation_id: null, invitation: null, last_seen_at: '2026-12-06T06:01:00Z', ...over,
  };
}

test('a snapshot replaces the list; deltas upsert whole visitors, remove the gone and update counts', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: [visitor(1), visitor(2), visitor(3, { site_id: 2 })], counts: { 1: 2, 2: 1 } });
  assert.equal(list.size, 3);
  assert.equal(list.count(1), 2);
  const before = list.version;
  const touched = list.delta({ upsert: [visitor(2, { page_count: 2 }), visitor(4)], gone: [1], counts: { 1: 2 } });
  assert.deepEqual([...touched].sort(), [1, 2, 4]);
  assert.ok(list.version > before);
  assert.equal(list.get(1), null);
  assert.equal(list.get(2).page_count, 2);
  assert.equal(list.count(1), 2);
  assert.equal(list.count(2), 1, 'sites the delta does not name keep their count');
  list.delta({ upsert: [], gone: [3], counts: { 2: 0 } });
  assert.equal(list.count(2), 0);
  assert.deepEqual(Object.keys(list.counts), ['1']);
});

test('a slow first paint over HTTP never overwrites the socket snapshot', () => {
  const list = new LiveVisitorList();
  assert.ok(list.snapshot({ visitors: [visitor(1)], counts: {} }));
  assert.equal(list.snapshot({ visitors: [], counts: {} }, { socket: false }), false);
  assert.equal(list.size, 1);
  const fresh = new LiveVisitorList();
  assert.ok(fresh.snapshot({ visitors: [visitor(5)], counts: {} }, { socket: false }));
  assert.ok(fresh.snapshot({ visitors: [visitor(6)], counts: {} }));
  assert.deepEqual([...fresh.byId.keys()], [6]);
});

test('junk in frames is ignored, not thrown on', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: [null, { id: 'x' }, visitor(1)], counts: { 1: -1, 2: 'many', 3: 4 } });
  assert.equal(list.size, 1);
  assert.deepEqual(list.counts, { 3: 4 });
  list.delta({ upsert: 'no', gone: null, counts: null });
  assert.equal(list.size, 1);
});

test('an invitation frame sets the visitor state and their latest invitation at once', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: [visitor(1)], counts: {} });
  assert.ok(list.invitation({ id: 9, visitor_id: 1, status: 'shown' }));
  assert.equal(list.get(1).state, 'invited');
  assert.deepEqual(list.get(1).invitation, { id: 9, status: 'shown' });
  list.invitation({ id: 9, visitor_id: 1, status: 'declined' });
  assert.equal(list.get(1).state, 'browsing');
  assert.equal(list.invitation({ id: 8, visitor_id: 1, status: 'ignored' }), false, 'an older invitation does not win');
  assert.equal(list.invitation({ id: 10, visitor_id: 77, status: 'shown' }), false);
  list.delta({ upsert: [visitor(1, { state: 'chatting' })], gone: [], counts: {} });
  list.invitation({ id: 11, visitor_id: 1, status: 'accepted' });
  assert.equal(list.get(1).state, 'chatting');
});

test('filters: site, source kind, state and page text (title or address, any case)', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: [
    visitor(1, { source: { kind: 'search', name: '百度', keyword: '报价' } }),
    visitor(2, { site_id: 2, page: { url: 'https://b.example/Pricing', title: '价格表' } }),
    visitor(3, { state: 'chatting' }),
  ], counts: {} });
  const ids = (filter) => list.rows(filter, { key: 'time', descending: true }).map((v) => v.id);
  assert.deepEqual(ids({}), [1, 2, 3]);
  assert.deepEqual(ids({ siteId: 2 }), [2]);
  assert.deepEqual(ids({ sourceKind: 'search' }), [1]);
  assert.deepEqual(ids({ state: 'chatting' }), [3]);
  assert.deepEqual(ids({ text: 'pricing' }), [2]);
  assert.deepEqual(ids({ text: '价格' }), [2]);
  assert.deepEqual(ids({ text: '  ' }), [1, 2, 3]);
  assert.deepEqual(normalizeFilter({ siteId: '2', sourceKind: 'evil', state: 'x', text: 5 }),
    { siteId: null, sourceKind: '', state: '', text: '' });
});

test('sorting by each column, ties by id; rows are cached until something changes', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: [
    visitor(1, { page_count: 3, state: 'left', visit_number: 2, returning: true, name: '王' }),
    visitor(2, { page_count: 1, state: 'chatting', site_id: 2 }),
    visitor(3, { page_count: 2, state: 'browsing', name: '李' }),
  ], counts: {} });
  const names = { 1: 'B 站', 2: 'A 站' };
  const ids = (key, descending = false) => list.rows({}, { key, descending }, (id) => names[id]).map((v) => v.id);
  // The arrow and the order agree: ▼ (descending) the longest on the site first, ▲ the shortest.
  assert.deepEqual(ids('time', true), [1, 2, 3], 'descending: the longest on the site first');
  assert.deepEqual(ids('time'), [3, 2, 1], 'ascending: the shortest on the site first');
  assert.deepEqual(ids('pages', true), [1, 3, 2]);
  assert.deepEqual(ids('state'), [3, 2, 1]);
  assert.deepEqual(ids('site'), [2, 1, 3]);
  assert.deepEqual(ids('returning', true), [1, 2, 3]);
  const first = list.rows({}, { key: 'time' });
  assert.equal(list.rows({}, { key: 'time' }), first);
  list.delta({ upsert: [visitor(4)], gone: [], counts: {} });
  assert.notEqual(list.rows({}, { key: 'time' }), first);
});

test('the time on site ticks while the visitor is here and is frozen at the time they stayed once they left', () => {
  const list = new LiveVisitorList();
  const started = Date.parse('2026-12-06T06:00:00Z');
  list.snapshot({ visitors: [
    visitor(1, { visit_started_at: '2026-12-06T06:00:00Z', left_at: null }),
    visitor(2, { visit_started_at: '2026-12-06T06:00:00Z', state: 'left', left_at: '2026-12-06T06:02:30Z' }),
    visitor(3, { visit_started_at: '2026-12-06T06:01:00Z', state: 'left', left_at: '2026-12-06T06:01:10Z' }),
  ], counts: {} });
  const at = (minutes) => started + minutes * 60_000;
  assert.equal(list.secondsOnSite(1, at(5)), 300);
  assert.equal(list.secondsOnSite(1, at(10)), 600, 'here: it ticks');
  assert.equal(list.secondsOnSite(2, at(5)), 150);
  assert.equal(list.secondsOnSite(2, at(60)), 150, 'left: the time they stayed, frozen');
  assert.equal(list.secondsOnSite(99, at(5)), null);
  // Back on the site (a delta that is not `left`): it ticks again from the visit's start.
  list.delta({ upsert: [visitor(2, { visit_started_at: '2026-12-06T06:00:00Z', state: 'browsing', left_at: null })], gone: [], counts: {} });
  assert.equal(list.secondsOnSite(2, at(60)), 3600);
  const ids = (descending) => list.rows({}, { key: 'time', descending }).map((v) => v.id);
  assert.deepEqual(ids(true), [1, 2, 3]);
  assert.equal(ids(false)[0], 3, 'the one who stayed ten seconds is the shortest');
});

test('2,000 visitors: a delta of 200 and a sorted, filtered list take milliseconds', () => {
  const list = new LiveVisitorList();
  list.snapshot({ visitors: Array.from({ length: 2000 }, (_, i) => visitor(i + 1)), counts: { 1: 2000 } });
  const started = performance.now();
  for (let round = 0; round < 10; round += 1) {
    list.delta({ upsert: Array.from({ length: 200 }, (_, i) => visitor(((round * 200 + i) % 2000) + 1, { page_count: round })), gone: [], counts: {} });
    assert.equal(list.rows({ text: '页面' }, { key: 'pages', descending: true }).length, 2000);
  }
  // Generous: a guard against an accidental quadratic step, not a benchmark (bench/ has those).
  assert.ok(performance.now() - started < 2000);
});

test('texts: places, devices, durations', () => {
  assert.equal(placeText({ country: '中国', province: '广东', city: '深圳' }), '广东 深圳');
  assert.equal(placeText({ country: '中国', province: '北京', city: '北京' }), '北京');
  assert.equal(placeText({ country: 'United States', province: '', city: '' }), 'United States');
  assert.equal(placeText(null), '');
  assert.equal(deviceLine({ browser: 'Chrome 120', os: 'Android 14' }), 'Chrome 120 · Android 14');
  const words = { 'visitors.device.phone': '手机', 'visitors.device.tablet': '平板', 'visitors.device.desktop': '电脑' };
  const tr = (key) => words[key] ?? key;
  assert.equal(deviceLine({ browser: 'Safari 17', os: 'iOS 17', kind: 'phone' }, tr), '手机 · Safari 17 · iOS 17');
  assert.equal(deviceLine({ browser: 'Chrome 120', os: 'Windows 10', kind: 'desktop' }, tr), '电脑 · Chrome 120 · Windows 10');
  assert.equal(deviceLine({ browser: 'X', os: '', kind: 'toaster' }, tr), 'X', 'an unknown kind is not shown');
  assert.equal(durationText(42), '0:42');
  assert.equal(durationText(725), '12:05');
  assert.equal(durationText(3723), '1:02:03');
  assert.equal(durationText(-5), '0:00');
});

test('rule form values become the API body: only the conditions given, lists one a line', () => {
  assert.deepEqual(textsFrom('pricing\n报价， pricing\n\n'), ['pricing', '报价']);
  const values = {
    name: ' 看价格 ', message: ' 需要报价吗？ ', enabled: ['on'], priority: '5', per_visit_cap: '', per_day_cap: '2',
    on_phones: [], team_id: '3',
    'conditions.time_on_page_seconds': '30', 'conditions.time_on_site_seconds': '', 'conditions.min_visits': '0',
    'conditions.min_pages': ' ', 'conditions.url_contains': 'pricing\nprice', 'conditions.title_contains': '',
    'conditions.referrer_contains': '', 'conditions.keyword_contains': '牙齿',
    'conditions.source_kinds': ['search', 'evil'], 'conditions.exit_intent': ['on'],
  };
  assert.deepEqual(ruleBody(values), {
    name: '看价格', message: '需要报价吗？', enabled: true, priority: 5, per_visit_cap: 1, per_day_cap: 2,
    on_phones: false, team_id: 3,
    conditions: { time_on_page_seconds: 30, min_visits: 0, url_contains: ['pricing', 'price'],
      keyword_contains: ['牙齿'], source_kinds: ['search'], exit_intent: true },
  });
  assert.deepEqual(conditionsFrom({}), {});
  const back = ruleValues({ name: 'r', message: 'm', enabled: false, priority: 1, per_visit_cap: 2, per_day_cap: 3,
    on_phones: true, team_id: null, conditions: { min_pages: 3, title_contains: ['a', 'b'], source_kinds: ['paid'] } });
  assert.equal(back.min_pages, '3');
  assert.equal(back.title_contains, 'a\nb');
  assert.equal(back.time_on_page_seconds, '');
  assert.equal(back.enabled, false);
  assert.deepEqual(back.source_kinds, ['paid']);
  assert.equal(ruleValues(null).enabled, true);
});

test('a rule summary names every condition in the UI language', () => {
  const t = (key, params = {}) => `${key}${JSON.stringify(params)}`;
  const text = conditionsSummary({ time_on_page_seconds: 30, url_contains: ['a', 'b'], source_kinds: ['search'], exit_intent: true }, t);
  assert.match(text, /rules\.summary\.time_on_page_seconds\{"n":30\}/);
  assert.match(text, /rules\.summary\.url_contains\{"texts":"a \/ b"\}/);
  assert.match(text, /rules\.summary\.source_kinds/);
  assert.match(text, /rules\.summary\.exit_intent/);
  assert.equal(conditionsSummary({}, t), 'rules.summary.always{}');
});

test('site form: tracking, Do Not Track, identity and templates are sent only when the form has them', () => {
  assert.deepEqual(siteVisitorsBody({}), {});
  assert.deepEqual(siteVisitorsBody({
    track_before_chat: [], honour_dnt: ['on'], require_identity: 'prechat',
    invitation_templates: ' 您好！\n\n需要报价吗？\n您好！ ',
  }), { track_before_chat: false, honour_dnt: true, require_identity: 'prechat', invitation_templates: ['您好！', '需要报价吗？'] });
  assert.deepEqual(templatesFrom(''), []);
});
