// Widget formatting: links only for http(s), untrusted messages and site cards, times, sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSize, formatTime, linkify, normalizeMessage, normalizeSite, safeColor, safeHttpUrl,
} from '../../embed/format.js';

test('http and https addresses become links, the rest stays text', () => {
  assert.deepEqual(linkify('看这里 https://example.com/a?b=1 谢谢'), [
    { text: '看这里 ' }, { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' }, { text: ' 谢谢' },
  ]);
  assert.deepEqual(linkify('plain'), [{ text: 'plain' }]);
  assert.deepEqual(linkify(''), []);
});

test('dangerous schemes are never linked', () => {
  for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'file:///etc/passwd', 'www.example.com']) {
    assert.ok(linkify(text).every((part) => !part.href), text);
  }
  assert.deepEqual(linkify('javascript:alert("http://x.com")').filter((p) => p.href).map((p) => p.href), ['http://x.com/']);
});

test('trailing punctuation and Chinese punctuation end a link', () => {
  const hrefs = (text) => linkify(text).filter((p) => p.href).map((p) => p.href);
  assert.deepEqual(hrefs('see http://a.com/x.'), ['http://a.com/x']);
  assert.deepEqual(hrefs('(http://a.com/x)'), ['http://a.com/x']);
  assert.deepEqual(hrefs('网址：https://a.com/路径，谢谢'), ['https://a.com/%E8%B7%AF%E5%BE%84']);
  assert.deepEqual(hrefs('两个 http://a.com 和 https://b.com/'), ['http://a.com/', 'https://b.com/']);
});

test('the text of every part joins back to the original', () => {
  const text = 'a http://x.com/1, b https://y.org/2) c';
  assert.equal(linkify(text).map((p) => p.text).join(''), text);
});

test('safe URLs and colours', () => {
  assert.equal(safeHttpUrl('/logo.png', 'https://kefu.example.com'), 'https://kefu.example.com/logo.png');
  assert.equal(safeHttpUrl('javascript:alert(1)', 'https://k.example'), null);
  assert.equal(safeHttpUrl('', 'https://k.example'), null);
  assert.equal(safeHttpUrl(42), null);
  assert.equal(safeColor('#1F6FEB'), '#1F6FEB');
  assert.equal(safeColor('#abc'), '#abc');
  for (const bad of ['red', '#12', 'url(https://evil/x)', '#000;background:url(x)', null]) assert.equal(safeColor(bad), '#1f6feb');
});

test('site cards are checked field by field', () => {
  const site = normalizeSite({
    name: '悦齿口腔', logo_url: 'javascript:x', greeting: '您好！', theme_color: 'expression(x)',
    widget_position: 'top', language: 'fr', typing_preview: 'yes',
  }, 'https://k.example');
  assert.deepEqual(site, {
    name: '悦齿口腔', greeting: '您好！', logo_url: null, theme_color: '#1f6feb', widget_position: 'right',
    language: 'zh-CN', typing_preview: false, prechat: [], mode: 'chat', track: true, honour_dnt: true,
  });
  assert.deepEqual([normalizeSite({ track: false }).track, normalizeSite({ honour_dnt: false }).honour_dnt], [false, false]);
  // A blocked visitor gets the offline path (leave.js then says only that chatting is not possible).
  assert.equal(normalizeSite({ mode: 'blocked' }).mode, 'leave_message');
  assert.equal(normalizeSite({ widget_position: 'left', language: 'en' }).widget_position, 'left');
  assert.equal(normalizeSite(null).language, 'zh-CN');
  for (const mode of ['leave_message', 'hidden']) assert.equal(normalizeSite({ mode }).mode, mode);
  for (const mode of ['chat', 'hide', '', null, 3]) assert.equal(normalizeSite({ mode }).mode, 'chat');
});

test('message frames are normalised; malformed ones are dropped', () => {
  const m = normalizeMessage({
    type: 'message', conversation_id: 4, seq: 3, id: 90, client_id: 'c-1', kind: 'text', body: '<b>hi</b>',
    sender: { type: 'agent', id: 2, name: '小李' }, attachment: null, created_at: '2026-01-01T08:00:00Z',
  });
  assert.deepEqual(m, {
    conversation_id: 4, seq: 3, id: 90, client_id: 'c-1', kind: 'text', body: '<b>hi</b>', sender: 'agent',
    name: '小李', attachment: null, created_at: '2026-01-01T08:00:00Z', bot: null,
  });
  const reply = { action: 'answer', entry_id: 3, answer: '<p>x</p>', choices: [], votable: true, agents_online: null };
  const fromBot = normalizeMessage({ seq: 4, id: 91, sender: { type: 'bot', id: null, name: '小悦' }, kind: 'text', body: 'x', bot: reply });
  assert.equal(fromBot.sender, 'bot');
  assert.deepEqual(fromBot.bot, reply);
  // Only the bot's messages carry its part.
  assert.equal(normalizeMessage({ seq: 5, sender: { type: 'agent' }, body: 'x', bot: reply }).bot, null);
  assert.equal(normalizeMessage({ seq: 6, sender: { type: 'bot' }, body: 'x', bot: 'nope' }).bot, null);
  for (const bad of [null, {}, { seq: 0 }, { seq: 1.5 }, { seq: '2' }]) assert.equal(normalizeMessage(bad), null);
  const odd = normalizeMessage({ seq: 1, sender: { type: 'admin' }, kind: 'note', body: 7, attachment: { id: 'x' } });
  assert.equal(odd.sender, 'system');
  assert.equal(odd.kind, 'system');
  assert.equal(odd.body, '');
  assert.equal(odd.attachment, null);
  const file = normalizeMessage({ seq: 2, sender: { type: 'visitor' }, kind: 'file', attachment: { id: 5, name: 'a.pdf', size: '12', kind: 'file', url: '//evil' } });
  assert.deepEqual(file.attachment, { id: 5, name: 'a.pdf', size: 12, mime: '', kind: 'file' });
});

test('times: hours and minutes today, with the date on other days', () => {
  const now = new Date(2026, 4, 1, 15, 0);
  assert.equal(formatTime(new Date(2026, 4, 1, 9, 5).toISOString(), now), '09:05');
  assert.equal(formatTime(new Date(2026, 3, 30, 23, 59).getTime(), now), '04-30 23:59');
  assert.equal(formatTime('garbage', now), '');
});

test('sizes', () => {
  assert.equal(formatSize(812), '812 B');
  assert.equal(formatSize(48213), '47 KB');
  assert.equal(formatSize(1258291), '1.2 MB');
});
