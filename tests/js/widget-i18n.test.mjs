// Widget strings: both catalogs complete, the site's language decides, placeholders filled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import en from '../../embed/lang-en.js';
import extrasEn from '../../embed/lang-extras-en.js';
import extrasZhCN from '../../embed/lang-extras-zh-CN.js';
import leaveEn from '../../embed/lang-leave-en.js';
import leaveZhCN from '../../embed/lang-leave-zh-CN.js';
import zhCN from '../../embed/lang-zh-CN.js';
import { languageOf, systemLine, translator } from '../../embed/i18n.js';

const CATALOGS = { 'zh-CN': zhCN, en };
const KEYS = Object.keys(zhCN);

test('both catalogs have the same keys and no empty strings', () => {
  for (const [lang, catalog] of Object.entries(CATALOGS)) {
    assert.deepEqual(Object.keys(catalog).sort(), [...KEYS].sort(), lang);
    for (const key of KEYS) assert.ok(catalog[key].trim(), `${lang}.${key}`);
  }
});

test('the occasional views\' catalogs (loaded with them) match too, and every key they use exists', async () => {
  const { readFileSync } = await import('node:fs');
  assert.deepEqual(Object.keys(extrasEn).sort(), Object.keys(extrasZhCN).sort());
  assert.deepEqual(Object.keys(leaveEn).sort(), Object.keys(leaveZhCN).sort());
  // extras.js uses both catalogs, leave.js only its own.
  const keys = [...Object.keys(extrasZhCN), ...Object.keys(leaveZhCN)];
  for (const catalog of [extrasEn, extrasZhCN, leaveEn, leaveZhCN]) for (const key of Object.keys(catalog)) assert.ok(catalog[key].trim(), key);
  const leaveSource = ['leave.js', 'hours.js'].map((name) => readFileSync(new URL(`../../embed/${name}`, import.meta.url), 'utf8')).join('\n');
  for (const [, key] of leaveSource.matchAll(/\bt\('(\w+)'/g)) assert.ok(key in leaveZhCN, key);
  const source = ['extras.js', 'offline.js', 'routing.js', 'prechat-form.js']
    .map((name) => readFileSync(new URL(`../../embed/${name}`, import.meta.url), 'utf8')).join('\n');
  for (const [, key] of source.matchAll(/\bt\('(\w+)'/g)) assert.ok(keys.includes(key), key);
  // Error codes of the pure rules are shown with t(code).
  for (const code of ['required', 'long', 'invalid', 'phone', 'email', 'contact', 'rating', 'try_again']) {
    assert.ok(keys.includes(code), code);
  }
});

test('the site setting picks the catalog; anything else is zh-CN', () => {
  assert.equal(languageOf('en'), 'en');
  for (const value of ['zh-CN', 'fr', '', null, undefined, '__proto__']) assert.equal(languageOf(value), 'zh-CN');
  assert.equal(translator(en)('send'), 'Send');
  assert.equal(translator(zhCN)('send'), '发送');
});

test('placeholders are filled; unknown keys and placeholders show as they are', () => {
  const t = translator(en);
  assert.equal(t('typing', { name: '小李' }), '小李 is typing…');
  assert.equal(t('typing'), '{name} is typing…');
  assert.equal(t('no_such_key'), 'no_such_key');
  assert.equal(t('toString'), 'toString');
});

test('system lines: known codes are localised with the agent\'s name, anything else is shown as sent', () => {
  assert.equal(systemLine(translator(zhCN), 'agent_joined', '小李'), '小李 为您服务');
  assert.equal(systemLine(translator(en), 'transferred', 'Ann'), 'Transferred to Ann');
  assert.equal(systemLine(translator(en), 'closed', ''), 'Agent ended the conversation');
  assert.equal(systemLine(translator(en), '小李 joined', 'x'), '小李 joined');
  assert.equal(systemLine(translator(en), 'toString', 'x'), 'toString');
});
