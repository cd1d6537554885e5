// Canned replies: the "/" trigger, filtering, variables, insertion and the form checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fillVariables, filterCanned, insertReply, normalizeShortcut, slashQuery, usableIn, validateCanned,
} from '../../webui/js/console/canned.js';

const replies = [
  { id: 1, site_id: null, shortcut: 'hello', body: '您好 {visitor_name}，我是{agent_name}' },
  { id: 2, site_id: 1, shortcut: 'price', body: '价格请看 {site_name} 官网' },
  { id: 3, site_id: 2, shortcut: 'refund', body: '退款三个工作日到账' },
  { id: 4, site_id: null, shortcut: 'shell', body: 'hello again' },
];

test('"/" at the start opens the picker while the caret is in the first word', () => {
  assert.equal(slashQuery('/'), '');
  assert.equal(slashQuery('/he'), 'he');
  assert.equal(slashQuery('/he', 2), 'h');
  assert.equal(slashQuery('/he llo'), null);
  assert.equal(slashQuery('he/'), null);
  assert.equal(slashQuery(' /he'), null);
  assert.equal(slashQuery(''), null);
});

test('personal replies everywhere, shared ones only on their site', () => {
  assert.deepEqual(usableIn(replies, 1).map((r) => r.id), [1, 2, 4]);
  assert.deepEqual(usableIn(replies, 2).map((r) => r.id), [1, 3, 4]);
});

test('prefix matches first, then shortcut contains, then body; case-insensitive', () => {
  assert.deepEqual(filterCanned(replies, '').map((r) => r.shortcut), ['hello', 'price', 'refund', 'shell']);
  assert.deepEqual(filterCanned(replies, 'HEL').map((r) => r.shortcut), ['hello', 'shell']);
  assert.deepEqual(filterCanned(replies, 'ell').map((r) => r.shortcut), ['hello', 'shell']);
  assert.deepEqual(filterCanned(replies, '退款').map((r) => r.shortcut), ['refund']);
  assert.deepEqual(filterCanned(replies, 'zzz'), []);
});

test('variables are filled in; unknown braces stay', () => {
  const values = { visitor_name: '张三', agent_name: '小李', site_name: '悦齿口腔' };
  assert.equal(fillVariables(replies[0].body, values), '您好 张三，我是小李');
  assert.equal(fillVariables('{site_name}{site_name} {other}', values), '悦齿口腔悦齿口腔 {other}');
  assert.equal(fillVariables('{visitor_name}', {}), '{visitor_name}');
  assert.equal(fillVariables('{agent_name}', { agent_name: '$&' }), '$&', 'no replacement patterns');
});

test('insert replaces the "/word" or goes in at the caret', () => {
  assert.deepEqual(insertReply('/hel', { start: 4, fromSlash: true }, '您好'), { value: '您好', caret: 2 });
  assert.deepEqual(insertReply('/hel rest', { start: 4, fromSlash: true }, '您好'), { value: '您好 rest', caret: 2 });
  assert.deepEqual(insertReply('ab', { start: 1 }, 'X'), { value: 'aXb', caret: 2 });
  assert.deepEqual(insertReply('abcd', { start: 1, end: 3 }, 'X'), { value: 'aXd', caret: 2 });
});

test('form checks', () => {
  assert.deepEqual(validateCanned({ shortcut: 'hi', body: 'x' }), []);
  assert.deepEqual(validateCanned({ shortcut: '/', body: '' }).map((f) => [f.field, f.key]),
    [['shortcut', 'validation.required'], ['body', 'validation.required']]);
  assert.equal(validateCanned({ shortcut: 'a b', body: 'x' })[0].key, 'canned.shortcut.noSpaces');
  assert.deepEqual(validateCanned({ shortcut: '退'.repeat(30), body: 'x'.repeat(2000) }), []);
  assert.equal(validateCanned({ shortcut: 'a'.repeat(31), body: 'x' })[0].key, 'validation.tooLong');
  assert.equal(validateCanned({ shortcut: 'a', body: 'x'.repeat(2001) })[0].field, 'body');
  assert.equal(normalizeShortcut(' /hello '), 'hello');
});
