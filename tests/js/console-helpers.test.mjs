// Console helpers: drafts, keyboard shortcuts, own typing frames, alert pacing and display text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alertChannels, alertKey, blinkTitle, ChimeElection, notificationState, SoundGate, titleText,
} from '../../webui/js/console/alerts-policy.js';
import { Drafts } from '../../webui/js/console/drafts.js';
import { cycle, neighbour, shortcutFor } from '../../webui/js/console/keys.js';
import {
  attachmentUrl, dayKey, deviceText, formatClock, formatDateTime, formatSize, linkable, listedAgent, listedUnread,
  previewText, sitePageLink, siteVisibleName, snippetParts, visitorName,
} from '../../webui/js/console/present.js';
import { TypingThrottle } from '../../webui/js/console/typing.js';

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)) };
}
const t = (key, params) => `${key}${params ? JSON.stringify(params) : ''}`;

test('drafts are kept per conversation and survive a reload of the tab', () => {
  const storage = memoryStorage();
  const drafts = new Drafts({ storage, key: 'd' });
  drafts.set(1, { body: '写了一半' });
  drafts.set(2, { body: '', note: true });
  drafts.set(3, { body: '' });
  const again = new Drafts({ storage, key: 'd' });
  assert.deepEqual(again.get(1), { body: '写了一半', note: false });
  assert.deepEqual(again.get(2), { body: '', note: true });
  assert.deepEqual(again.get(3), { body: '', note: false });
  again.clear(1);
  assert.deepEqual(new Drafts({ storage, key: 'd' }).get(1), { body: '', note: false });
  storage.setItem('d', '{bad');
  assert.deepEqual(new Drafts({ storage, key: 'd' }).get(2), { body: '', note: false });
});

test('keyboard shortcuts', () => {
  assert.equal(shortcutFor({ key: 'ArrowDown', altKey: true }), 'next');
  assert.equal(shortcutFor({ key: 'ArrowUp', altKey: true }), 'previous');
  assert.equal(shortcutFor({ key: 'k', ctrlKey: true }), 'search');
  assert.equal(shortcutFor({ key: 'K', metaKey: true }), 'search');
  assert.equal(shortcutFor({ key: 'Escape' }), 'input');
  assert.equal(shortcutFor({ key: 'ArrowDown' }), null);
  assert.equal(shortcutFor({ key: 'ArrowDown', altKey: true, shiftKey: true }), null);
  assert.equal(shortcutFor({ key: 'k' }), null);
  assert.equal(neighbour([3, 2, 1], 2, 1), 1);
  assert.equal(neighbour([3, 2, 1], 2, -1), 3);
  assert.equal(neighbour([3, 2, 1], 1, 1), null);
  assert.equal(neighbour([3, 2, 1], 9, 1), 3);
  assert.equal(neighbour([3, 2, 1], 9, -1), 1);
  assert.equal(neighbour([], 1, 1), null);
  assert.equal(cycle(0, -1, 3), 2);
  assert.equal(cycle(2, 1, 3), 0);
  assert.equal(cycle(0, 1, 0), -1);
});

test('own typing frames: one start per interval, a stop when idle, cleared or sent', () => {
  const clock = { now: 0 };
  const typing = new TypingThrottle({ now: () => clock.now, repeatMs: 3000, idleMs: 4000 });
  assert.equal(typing.input(true), true);
  clock.now = 1000;
  assert.equal(typing.input(true), null);
  clock.now = 3000;
  assert.equal(typing.input(true), true);
  clock.now = 5000;
  assert.equal(typing.tick(), null);
  clock.now = 7000;
  assert.equal(typing.tick(), false);
  assert.equal(typing.tick(), null);
  assert.equal(typing.input(true), true);
  assert.equal(typing.input(false), false);
  assert.equal(typing.stop(), null);
});

test('tab title count and blinking while hidden', () => {
  assert.equal(titleText(0, 'Kefu 客服'), 'Kefu 客服');
  assert.equal(titleText(3, 'Kefu 客服'), '(3) Kefu 客服');
  assert.equal(titleText(120, 'K'), '(99+) K');
  const base = { count: 2, appName: 'K', flashText: '【新消息】' };
  assert.equal(blinkTitle({ ...base, hidden: true, tick: 1 }), '【新消息】');
  assert.equal(blinkTitle({ ...base, hidden: true, tick: 2 }), '(2) K');
  assert.equal(blinkTitle({ ...base, hidden: false, tick: 1 }), '(2) K');
  assert.equal(blinkTitle({ ...base, count: 0, hidden: true, tick: 1 }), 'K');
});

test('sounds are paced and muted; channels depend on what the agent is looking at', () => {
  const clock = { now: 0 };
  const gate = new SoundGate({ gapMs: 1000, now: () => clock.now });
  assert.ok(gate.allow(false));
  assert.ok(!gate.allow(false));
  clock.now = 1000;
  assert.ok(!gate.allow(true));
  assert.ok(gate.allow(false));
  const message = { kind: 'message', conversationId: 1 };
  assert.deepEqual(alertChannels(message, { activeId: 1, hidden: false }), { sound: false, notify: false });
  assert.deepEqual(alertChannels(message, { activeId: 1, hidden: true }), { sound: true, notify: true });
  assert.deepEqual(alertChannels(message, { activeId: 2, hidden: false }), { sound: true, notify: true });
  assert.deepEqual(alertChannels({ kind: 'chat', conversationId: 1 }, { activeId: 1, hidden: false }),
    { sound: true, notify: true });
  assert.equal(notificationState(undefined), 'unsupported');
  assert.equal(notificationState({ permission: 'default' }, false), 'unsupported');
  assert.equal(notificationState({ permission: 'default' }), 'ask');
  assert.equal(notificationState({ permission: 'granted' }), 'granted');
  assert.equal(notificationState({ permission: 'denied' }), 'denied');
});

test('names, previews, sizes, devices', () => {
  assert.equal(visitorName({ id: 17, name: '  ' }, t), 'console.visitorNumber{"id":17}');
  assert.equal(visitorName({ id: 17, name: '张三' }, t), '张三');
  assert.equal(previewText({ kind: 'text', body: 'a\n\n b' }, t), 'a b');
  assert.equal(previewText({ kind: 'image', body: '' }, t), 'console.preview.image');
  assert.equal(previewText({ kind: 'file', body: '', attachment: { name: 'a.pdf' } }, t), 'console.preview.file a.pdf');
  assert.equal(previewText({ kind: 'note', body: 'x' }, t), 'console.preview.note x');
  assert.equal([...previewText({ kind: 'text', body: '长'.repeat(200) }, t)].length, 80);
  assert.equal(previewText(null, t), '');
  assert.equal(formatSize(980), '980 B');
  assert.equal(formatSize(48213), '47 KB');
  assert.equal(formatSize(1572864), '1.5 MB');
  assert.equal(formatSize('x'), '');
  assert.equal(deviceText({ browser: 'Chrome 120', os: 'Windows', device: '' }), 'Chrome 120 · Windows');
  assert.equal(deviceText(null), '');
});

test('times: clock today, date otherwise', () => {
  const now = new Date(2026, 10, 24, 15, 0);
  assert.equal(formatClock(new Date(2026, 10, 24, 9, 5).toISOString(), { now, locale: 'en-GB' }), '09:05');
  assert.match(formatClock(new Date(2026, 10, 20, 9, 5).toISOString(), { now, locale: 'en-GB' }), /20\/11 09:05/);
  assert.match(formatClock(new Date(2025, 0, 2).toISOString(), { now, locale: 'en-GB' }), /2025/);
  assert.equal(formatClock('garbage'), '');
  assert.equal(dayKey(new Date(2026, 0, 2, 3).toISOString()), '2026-01-02');
});

test('only http(s) addresses become links; attachments by id only', () => {
  assert.equal(linkable('https://example.com/a?b=1'), 'https://example.com/a?b=1');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.com', '', null, 'ftp://x']) {
    assert.equal(linkable(bad), null, String(bad));
  }
  assert.equal(attachmentUrl({ id: 5, url: 'javascript:x' }), '/api/attachments/5');
  assert.equal(attachmentUrl({ id: '5/../x' }), null);
  assert.equal(attachmentUrl(null), null);
});

test('a visitor page is a link only to the site\'s own origins, as the browser reads the address', () => {
  const site = { allowed_origins: ['https://www.example.com', 'http://shop.example.com:8080', 'https://xn--fiqs8s.example'] };
  for (const good of ['https://www.example.com/a?b=1#c', 'HTTPS://WWW.EXAMPLE.COM:443/x', 'http://shop.example.com:8080/',
    'https://中国.example/价格']) {
    assert.ok(sitePageLink(good, site), good);
  }
  for (const bad of ['https://evil.example/login?next=kefu', 'https://www.example.com.evil.example/',
    'https://www.example.com@evil.example/', 'https://evil.example\\@www.example.com/', 'http://www.example.com/',
    'https://www.example.com:8443/', 'http://shop.example.com/', '//www.example.com/', '/x', 'javascript:alert(1)',
    'data:text/html,x', '', null, 42]) {
    assert.equal(sitePageLink(bad, site), null, String(bad));
  }
  // Without the site's origins (not loaded, or a site the console does not know): never a link.
  assert.equal(sitePageLink('https://www.example.com/', null), null);
  assert.equal(sitePageLink('https://www.example.com/', { allowed_origins: [] }), null);
  assert.equal(sitePageLink('https://www.example.com/', { allowed_origins: 'https://www.example.com' }), null);
});

test('search snippets are cut around the match', () => {
  assert.deepEqual(snippetParts('我要退款谢谢', '退款', 1),
    [{ text: '…要', match: false }, { text: '退款', match: true }, { text: '谢…', match: false }]);
  assert.deepEqual(snippetParts('我要退款谢谢', '退款', 2),
    [{ text: '我要', match: false }, { text: '退款', match: true }, { text: '谢谢', match: false }]);
  assert.deepEqual(snippetParts('Refund please', 'refund', 30),
    [{ text: 'Refund', match: true }, { text: ' please', match: false }]);
  assert.deepEqual(snippetParts('no match here', 'zz'), [{ text: 'no match here', match: false }]);
  assert.equal(siteVisibleName({ name: '官网', display_name: '' }, { name: '悦齿口腔' }), '悦齿口腔');
  assert.equal(siteVisibleName({ name: '官网', display_name: '悦齿' }, { name: 'X' }), '悦齿');
  assert.equal(siteVisibleName({ name: '官网' }, null), '官网');
});

test('a visitor who gave no name is named in the console language on system lines', async () => {
  const { systemText } = await import('../../webui/js/console/present.js');
  const { CATALOGS } = await import('../../webui/js/i18n.js');
  const en = (key, params) => CATALOGS.en[key].replace(/\{(\w+)\}/g, (_, k) => String(params?.[k]));
  const closed = (sender) => ({ kind: 'system', body: 'closed', sender });
  // The line of a chat the visitor ended: a system line about no agent (offline.py).
  assert.equal(systemText(closed({ type: 'system', id: null, name: '访客15' }), en),
    en('console.system.closed', { name: 'Visitor #15' }));
  assert.equal(systemText(closed({ type: 'visitor', id: 15, name: '访客15' }), en),
    en('console.system.closed', { name: 'Visitor #15' }));
  // An agent's line keeps the agent's name as written.
  assert.equal(systemText(closed({ type: 'system', id: 3, name: '访客15' }), en),
    en('console.system.closed', { name: '访客15' }));
  assert.equal(systemText(closed({ type: 'system', id: 3, name: '小李' }), en),
    en('console.system.closed', { name: '小李' }));
});

test('a chat handed back to the queue (its agent gone) is said so, not "transferred to An agent"', async () => {
  const { systemText } = await import('../../webui/js/console/present.js');
  const { CATALOGS } = await import('../../webui/js/i18n.js');
  const en = (key, params) => CATALOGS.en[key].replace(/\{(\w+)\}/g, (_, k) => String(params?.[k]));
  const line = (sender) => ({ kind: 'system', body: 'transferred', sender });
  assert.equal(systemText(line({ type: 'system', id: null, name: '' }), en), en('console.system.requeued'));
  assert.equal(systemText(line({ type: 'system', id: null, name: '售前组' }), en),
    en('console.system.transferred', { name: '售前组' }));
  assert.equal(systemText(line({ type: 'system', id: 4, name: '小王' }), en),
    en('console.system.transferred', { name: '小王' }));
});

test('a visible but unfocused window is not read: a message in the open chat alerts', () => {
  const message = { kind: 'message', conversationId: 1 };
  assert.deepEqual(alertChannels(message, { activeId: 1, hidden: false, focused: false }), { sound: true, notify: true });
  assert.deepEqual(alertChannels(message, { activeId: 1, hidden: false, focused: true }), { sound: false, notify: false });
  const note = { kind: 'note', conversationId: 1 };
  assert.deepEqual(alertChannels(note, { activeId: 1, hidden: false, focused: true }), { sound: false, notify: false });
  assert.deepEqual(alertChannels(note, { activeId: 2, hidden: false, focused: true }), { sound: true, notify: true });
});

test('alert keys name the same alert alike in every tab', () => {
  const message = { seq: 4 };
  assert.equal(alertKey({ kind: 'message', conversationId: 3, message }), 'message:3:4');
  assert.equal(alertKey({ kind: 'routed', conversationId: 3 }, { last_seq: 2 }), 'routed:3:2');
  assert.equal(alertKey({ kind: 'catchUp', conversationId: 3, key: 'catchUp:3.4' }), 'catchUp:3.4');
});

/** Tabs on one in-memory channel, their timers run by hand. */
function tabs(ids) {
  const timers = [];
  const elections = new Map();
  const won = [];
  for (const id of ids) {
    elections.set(id, new ChimeElection({
      tabId: id, delayMs: 100, now: () => 0,
      post: (data) => { for (const [other, e] of elections) if (other !== id) e.heard(data); },
      later: (fn) => timers.push(fn),
    }));
  }
  const run = () => { while (timers.length) timers.shift()(); };
  const propose = (id, key) => elections.get(id).propose(key, () => won.push(`${id}:${key}`));
  return { run, propose, won };
}

test('one chime per alert across the tabs: the smallest tab id among those proposing it', () => {
  const { run, propose, won } = tabs(['b', 'a', 'c']);
  propose('b', 'message:1:4');
  propose('c', 'message:1:4');
  run();
  assert.deepEqual(won, ['b:message:1:4']);
  propose('a', 'message:1:4');
  run();
  assert.deepEqual(won, ['b:message:1:4'], 'a late tab stays silent: the alert was had');
  propose('c', 'message:1:5');
  propose('a', 'message:1:5');
  run();
  assert.deepEqual(won, ['b:message:1:4', 'a:message:1:5']);
  const alone = tabs(['x']);
  alone.propose('x', 'routed:2:1');
  alone.run();
  assert.deepEqual(alone.won, ['x:routed:2:1'], 'a single tab alerts');
});

test('the closed tab: who served a chat, in the past, and no unread badge', () => {
  assert.deepEqual(listedAgent({ status: 'closed', assignee_id: 7, unread: 2 }, 7), { agentId: 7, past: true });
  assert.deepEqual(listedAgent({ status: 'closed', assignee_id: 9 }, 7), { agentId: 9, past: true });
  assert.equal(listedAgent({ status: 'closed', assignee_id: null }, 7), null);
  assert.deepEqual(listedAgent({ status: 'open', assignee_id: 9 }, 7), { agentId: 9, past: false });
  assert.equal(listedAgent({ status: 'open', assignee_id: 7 }, 7), null);
  assert.equal(listedUnread({ status: 'closed', unread: 4 }), 0);
  assert.equal(listedUnread({ status: 'open', unread: 4 }), 4);
  assert.equal(listedUnread({ status: 'pending', unread: -1 }), 0);
});

test('formatDateTime shows a time in the given time zone (a company\'s), whatever the browser\'s', () => {
  // 23:58 in Shanghai is 15:58 UTC: a lead's chat counts on the company's day, shown so.
  const iso = '2026-12-07T15:58:00Z';
  assert.equal(formatDateTime(iso, 'en-GB', 'Asia/Shanghai'), '07/12/2026, 23:58:00');
  assert.equal(formatDateTime(iso, 'en-GB', 'America/New_York'), '07/12/2026, 10:58:00');
  // An unknown zone falls back to the browser's rather than failing.
  assert.equal(formatDateTime(iso, 'en-GB', 'Mars/Olympus'), formatDateTime(iso, 'en-GB'));
});
