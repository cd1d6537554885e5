// Widget leave-a-message, rating and transcript rules: the server's checks, before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emailError, leaveBody, leaveErrors, leaveFieldOf, ratingError } from '../../embed/offline.js';

const GOOD = { name: ' 张三 ', phone: '', email: '', wechat: '', message: ' 明天上午想预约洗牙 ' };

test('a name, one way to reach the visitor and a message are enough', () => {
  for (const contact of [{ phone: '138 0000 0000' }, { email: 'Zhang@Example.cn' }, { wechat: 'zhangsan_88' }]) {
    assert.deepEqual(leaveErrors({ ...GOOD, ...contact }), {}, JSON.stringify(contact));
  }
});

test('required: the name, the message and at least one of phone, e-mail, WeChat', () => {
  assert.deepEqual(leaveErrors({}), { name: 'required', contact: 'contact', message: 'required' });
  assert.deepEqual(leaveErrors({ ...GOOD, name: '   ', message: '\r\n ' }),
    { name: 'required', contact: 'contact', message: 'required' });
});

test('each field as the server checks it: lengths in characters, phone characters, e-mail shape', () => {
  const errors = leaveErrors({
    name: '张'.repeat(81), phone: '138-0000-0000 转 8', email: 'not mail', wechat: 'w'.repeat(61), message: '字'.repeat(5001),
  });
  assert.deepEqual(errors, { name: 'long', phone: 'phone', email: 'email', wechat: 'long', message: 'long' });
  assert.deepEqual(leaveErrors({ ...GOOD, name: '😀'.repeat(80), phone: '+86 (10) 1234-5678', message: '😀'.repeat(5000) }), {},
    'an emoji is one character, as on the server');
  assert.equal(leaveErrors({ ...GOOD, phone: '12' }).phone, 'phone', 'at least 3 characters');
  assert.equal(leaveErrors({ ...GOOD, phone: '1'.repeat(41) }).phone, 'long');
  assert.equal(leaveErrors({ ...GOOD, phone: '1', email: 'a@b.cn' }).phone, 'phone', 'a bad phone is refused even with an e-mail');
  assert.equal(leaveErrors({ ...GOOD, wechat: 'x', name: 'Ann\u202eevil' }).name, 'invalid', 'bidi overrides');
  // The rest of what the server's check_visible refuses in one line: C1 controls, separators, lone surrogates.
  for (const bad of ['a\u0085b', 'a\u2028b', 'a\u2029b', 'a\ud800b', 'a\u2066b']) {
    assert.equal(leaveErrors({ ...GOOD, wechat: 'x', name: bad }).name, 'invalid', JSON.stringify(bad));
  }
  // Format characters real text needs are text (ZWNJ, ZWJ in emoji, RLM).
  assert.deepEqual(leaveErrors({ ...GOOD, wechat: 'x', name: 'می\u200cخواهم 👨\u200d👩\u200d👧 \u200f' }), {});
  assert.equal(leaveErrors({ ...GOOD, wechat: 'x', message: 'a\0b' }).message, 'invalid');
});

test('the request body: trimmed, e-mail lower-cased, empty contacts left out', () => {
  assert.deepEqual(leaveBody({ ...GOOD, email: ' Zhang@Example.CN ', phone: ' ', message: 'line 1\r\nline 2 ' }), {
    name: '张三', contact: { email: 'zhang@example.cn' }, message: 'line 1\nline 2',
  });
  assert.deepEqual(leaveBody({ ...GOOD, phone: '13800000000', wechat: 'zs' }).contact, { phone: '13800000000', wechat: 'zs' });
});

test('a field the server refuses is shown next to its input', () => {
  assert.equal(leaveFieldOf('contact.phone'), 'phone');
  assert.equal(leaveFieldOf('contact.email'), 'email');
  assert.equal(leaveFieldOf('message'), 'message');
  assert.equal(leaveFieldOf('name'), 'name');
  for (const other of ['contact', undefined, null, 'site_key']) assert.equal(leaveFieldOf(other), 'contact');
});

test('e-mail addresses for the transcript', () => {
  for (const good of ['a@b.cn', ' Ann.Lee+chat@mail.example.com ']) assert.equal(emailError(good), null, good);
  for (const bad of ['', 'a@', '@b.cn', 'a b@c.cn', 'a@-b.cn', `${'a'.repeat(250)}@b.cn`, null]) assert.equal(emailError(bad), 'email', String(bad));
});

test('ratings: 1 to 5 stars, a comment of at most 500 characters', () => {
  for (const stars of [1, 5]) assert.equal(ratingError(stars, ''), null);
  for (const stars of [0, 6, 2.5, '3', null, true]) assert.equal(ratingError(stars, ''), 'rating', String(stars));
  assert.equal(ratingError(4, 'x'.repeat(500)), null);
  assert.equal(ratingError(4, 'x'.repeat(501)), 'long');
});

test('the weekly hours read as text, equal days joined, bad ranges left out', async () => {
  const { hoursText } = await import('../../embed/hours.js');
  const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const nine = [['09:00', '18:00']];
  const hours = { timezone: 'Asia/Shanghai', week: { mon: nine, tue: nine, wed: nine, thu: nine, fri: nine,
    sat: [['10:00', '12:00'], ['13:00', '16:00']], sun: [] } };
  assert.equal(hoursText(hours, names), 'Mon–Fri 09:00–18:00; Sat 10:00–12:00, 13:00–16:00');
  assert.equal(hoursText({ week: { wed: nine, fri: [['<b>', '18:00']] } }, names), 'Wed 09:00–18:00');
  assert.equal(hoursText(null, names), '');
  assert.equal(hoursText({ week: { sun: nine } }, names), 'Sun 09:00–18:00');
});

test("closed by the hours: hours and next opening in the site's zone, the zone named in words, the language's punctuation", async () => {
  const { closedTexts, hoursText } = await import('../../embed/hours.js');
  const { translator } = await import('../../embed/i18n.js');
  const zh = translator((await import('../../embed/lang-leave-zh-CN.js')).default);
  const en = translator((await import('../../embed/lang-leave-en.js')).default);
  const week = { mon: [['09:00', '12:00'], ['13:00', '18:00']], tue: [['09:00', '12:00'], ['13:00', '18:00']], sat: [['10:00', '12:00']] };
  // 01:00 UTC on Tuesday 8 December is 09:00 in Shanghai (and 17:00 on the 7th in Los Angeles, 01:00 in UTC).
  const shanghai = { open: false, hours: { timezone: 'Asia/Shanghai', week }, opens_at: '2026-12-08T01:00:00Z' };
  assert.deepEqual(closedTexts(shanghai, zh, 'zh-CN'), {
    hours: '工作时间：周一至周二 09:00–12:00、13:00–18:00；周六 10:00–12:00（中国标准时间）',
    opens: '下次上班：12月8日 周二 09:00' });
  assert.deepEqual(closedTexts(shanghai, en, 'en'), {
    hours: 'Opening hours: Mon–Tue 09:00–12:00, 13:00–18:00; Sat 10:00–12:00 (China Standard Time)',
    opens: 'We open again on Tue, December 8 at 09:00' });
  // 14:00 UTC is 09:00 in New York: the site's time, whatever zone this process runs in.
  const newYork = { open: false, hours: { timezone: 'America/New_York', week: { tue: [['09:00', '17:00']] } }, opens_at: '2026-12-08T14:00:00Z' };
  assert.deepEqual(closedTexts(newYork, en, 'en'), { hours: 'Opening hours: Tue 09:00–17:00 (Eastern Time)',
    opens: 'We open again on Tue, December 8 at 09:00' });
  assert.equal(closedTexts(newYork, zh, 'zh-CN').hours, '工作时间：周二 09:00–17:00（北美东部时间）');
  assert.doesNotMatch(closedTexts(shanghai, en, 'en').hours, /Asia\/Shanghai/);
  // A zone this browser does not know: its name as given, the time as the browser has it; nothing breaks.
  const odd = closedTexts({ ...newYork, hours: { ...newYork.hours, timezone: 'Mars/Olympus' } }, en, 'en');
  assert.match(odd.hours, /\(Mars\/Olympus\)$/);
  assert.match(odd.opens, /^We open again on /);
  assert.deepEqual(closedTexts({ open: false, hours: { timezone: 'Asia/Shanghai', week: {} }, opens_at: null }, zh, 'zh-CN'),
    { hours: '', opens: '' });
  assert.equal(hoursText({ week }, zh('days').split(','), zh('seps').split('|')), '周一至周二 09:00–12:00、13:00–18:00；周六 10:00–12:00');
});
