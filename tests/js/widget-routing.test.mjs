// Widget routing as the visitor sees it: question categories and the queue line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import en from '../../embed/lang-extras-en.js';
import zhCN from '../../embed/lang-extras-zh-CN.js';
import { translator } from '../../embed/i18n.js';
import { queuePlace, queueText, siteCategories } from '../../embed/routing.js';

test('categories from the session are checked: whole ids once, names trimmed, junk dropped', () => {
  assert.deepEqual(siteCategories([
    { id: 1, name: ' 种植牙 ' }, { id: 1, name: 'again' }, { id: 2, name: '' }, { id: '3', name: 'x' }, null,
    { id: 4, name: 7 }, { id: 0, name: 'zero' }, { id: 5, name: '矫正' },
  ]), [{ id: 1, name: '种植牙' }, { id: 5, name: '矫正' }]);
  for (const junk of [null, undefined, {}, 'abc']) assert.deepEqual(siteCategories(junk), []);
});

test('a queue place: 1-based position and the wait rounded up to whole minutes', () => {
  assert.deepEqual(queuePlace({ position: 3, estimated_wait_seconds: 610 }), { position: 3, minutes: 11 });
  assert.deepEqual(queuePlace({ position: 1, estimated_wait_seconds: 0 }), { position: 1, minutes: 0 });
  for (const junk of [null, {}, { position: 0 }, { position: '2' }, { position: 1.5 }]) assert.equal(queuePlace(junk), null);
});

test('the queue line counts the visitors ahead, in both languages', () => {
  const zh = translator(zhCN);
  const t = translator(en);
  assert.equal(queueText(zh, { position: 4, minutes: 15 }), '您前面还有 3 位访客，预计等待约 15 分钟');
  assert.equal(queueText(t, { position: 4, minutes: 15 }), '3 visitors ahead of you, about 15 min');
  assert.equal(queueText(t, { position: 2, minutes: 5 }), '1 visitor ahead of you, about 5 min');
  assert.equal(queueText(zh, { position: 1, minutes: 5 }), '您是下一位，预计等待约 5 分钟');
  assert.equal(queueText(t, { position: 1, minutes: 0 }), 'You are next');
});
