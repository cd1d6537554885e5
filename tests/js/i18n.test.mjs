// Message lookup and formatting, language choice, and the catalogs' completeness.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CATALOG_PARTS, CATALOGS, format, formatList, getLanguage, mergeCatalogs, normalizeLanguage, onLanguageChange, otherLanguage,
  resolveLanguage, setLanguage, STORAGE_KEY, storedLanguage, t, translate,
} from '../../webui/js/i18n.js';
import { FEATURES } from '../../webui/js/messages/index.js';

// The catalogs as the UI sees them: every part of each language merged.
const { en, 'zh-CN': zhCN } = CATALOGS;

test("lists are joined the UI language's way: 、 in Chinese, commas in English", () => {
  const zh = ['姓名', '联系方式', '需求'];
  const words = ['Name', 'A way to reach them', 'Need'];
  assert.equal(formatList(zh, { lang: 'zh-CN' }), '姓名、联系方式、需求');
  assert.equal(formatList(words, { lang: 'en' }), 'Name, A way to reach them, Need');
  assert.equal(formatList(words, { lang: 'en', sentence: true }), 'Name, A way to reach them, and Need');
  assert.equal(formatList(zh, { lang: 'zh-CN', sentence: true }), '姓名、联系方式和需求');
  assert.equal(formatList([], { lang: 'en' }), '');
  setLanguage('en');
  try {
    assert.equal(formatList(['Sales', 'Support']), 'Sales, Support', 'the current UI language by default');
  } finally {
    setLanguage('zh-CN');
  }
});

const WEBUI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui');

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)) };
}

test('format fills named placeholders and leaves unknown ones', () => {
  assert.equal(format('已添加 {name}。', { name: '李' }), '已添加 李。');
  assert.equal(format('{a} {b}', { a: 1 }), '1 {b}');
  assert.equal(format('{count} 个站点', { count: 0 }), '0 个站点');
});

test('translate falls back to zh-CN, then to the key', () => {
  const catalogs = { 'zh-CN': { a: '甲', b: '乙 {x}' }, en: { a: 'A' } };
  assert.equal(translate(catalogs, 'en', 'a'), 'A');
  assert.equal(translate(catalogs, 'en', 'b', { x: 1 }), '乙 1');
  assert.equal(translate(catalogs, 'en', 'missing'), 'missing');
  assert.equal(translate(catalogs, 'en', 'toString'), 'toString');
});

test('languages normalise and resolve: device choice, then account, then zh-CN', () => {
  assert.equal(normalizeLanguage('en-US'), 'en');
  assert.equal(normalizeLanguage('zh'), 'zh-CN');
  assert.equal(normalizeLanguage('zh-TW'), 'zh-CN');
  assert.equal(normalizeLanguage('fr'), null);
  assert.equal(resolveLanguage({}), 'zh-CN');
  assert.equal(resolveLanguage({ account: 'en' }), 'en');
  assert.equal(resolveLanguage({ stored: 'zh-CN', account: 'en' }), 'zh-CN');
  assert.equal(resolveLanguage({ stored: 'klingon', account: 'en' }), 'en');
  assert.equal(otherLanguage('zh-CN'), 'en');
  assert.equal(otherLanguage('en'), 'zh-CN');
});

test('setLanguage switches t(), persists on request and notifies once per change', () => {
  const storage = memoryStorage();
  const seen = [];
  const off = onLanguageChange((lang) => seen.push(lang));
  setLanguage('zh-CN', { storage });
  assert.equal(t('nav.sites'), '站点');
  setLanguage('en', { persist: true, storage });
  setLanguage('en', { persist: true, storage });
  assert.equal(getLanguage(), 'en');
  assert.equal(t('nav.sites'), 'Sites');
  assert.equal(storage.getItem(STORAGE_KEY), 'en');
  assert.equal(storedLanguage(storage), 'en');
  assert.deepEqual(seen, ['en']);
  off();
  setLanguage('zh-CN', { storage });
  assert.deepEqual(seen, ['en']);
  assert.equal(storedLanguage(null), null);
});

test('catalog parts merge per language and may not share a key', () => {
  assert.deepEqual(mergeCatalogs({ en: [{ a: 'A' }, { b: 'B' }] }), { en: { a: 'A', b: 'B' } });
  assert.throws(() => mergeCatalogs({ en: [{ a: 'A' }, { a: 'again' }] }), /message a is in two en catalogs/);
  assert.deepEqual(Object.keys(CATALOG_PARTS).sort(), ['en', 'zh-CN']);
  assert.equal(CATALOG_PARTS.en.length, Object.keys(FEATURES).length);
  assert.equal(CATALOGS.en['nav.sites'], 'Sites', 'base keys still resolve');
});

test('every feature has a catalogue in both languages, with the same keys', () => {
  for (const [feature, parts] of Object.entries(FEATURES)) {
    assert.deepEqual(Object.keys(parts).sort(), ['en', 'zh-CN'], feature);
    assert.ok(Object.keys(parts['zh-CN']).length > 0, feature);
    assert.deepEqual(Object.keys(parts.en).sort(), Object.keys(parts['zh-CN']).sort(), feature);
  }
});

test('each feature catalogue is a file per language in messages/, all of them listed', () => {
  const files = readdirSync(join(WEBUI, 'js', 'messages')).filter((file) => file !== 'index.js').sort();
  const listed = Object.keys(FEATURES).flatMap((feature) => [`${feature}-en.js`, `${feature}-zh-CN.js`]).sort();
  assert.deepEqual(files, listed);
});

test('both catalogs have the same keys, non-empty, with the same placeholders', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zhCN).sort());
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(zhCN)) {
    assert.ok(zhCN[key].trim() && en[key].trim(), key);
    assert.deepEqual(placeholders(en[key]), placeholders(zhCN[key]), key);
  }
});

function sourceFiles(dir, extensions) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .filter((path) => !path.includes(`${join('js', 'messages')}`));
}

test('every message key the UI names exists in the catalog', () => {
  const namespaces = [...new Set(Object.keys(zhCN).map((key) => key.split('.')[0]))].join('|');
  const literal = new RegExp(`['"\`]((?:${namespaces})\\.[\\w.-]+)['"\`]`, 'g');
  const missing = [];
  for (const file of sourceFiles(WEBUI, ['.js', '.html'])) {
    const text = readFileSync(file, 'utf8');
    for (const [, key] of text.matchAll(literal)) {
      if (!Object.hasOwn(zhCN, key) && !key.endsWith('.js') && !key.endsWith('.css')) missing.push(`${file}: ${key}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('keys built at run time exist for every value they are built from', () => {
  const dynamic = [
    ...['owner', 'admin', 'supervisor', 'agent'].map((role) => `role.${role}`),
    ...['zh-CN', 'en'].map((lang) => `lang.${lang}`),
    ...['right', 'left'].map((position) => `site.position.${position}`),
    ...['activate', 'deactivate'].flatMap((a) => ['title', 'message', 'ok', 'done'].map((p) => `user.${a}.${p}`)),
    ...['bad_credentials', 'rate_limited', 'bad_setup_code', 'setup_done', 'csrf', 'network', 'internal',
      'too_large', 'unauthenticated', 'bad_json', 'unsupported_media_type', 'method_not_allowed',
      'generic'].map((code) => `error.${code}`),
    ...['deactivated', 'logged_out', 'password_changed', 'password_reset', 'expired', 'other'].map((r) => `login.ended.${r}`),
  ];
  assert.deepEqual(dynamic.filter((key) => !Object.hasOwn(zhCN, key)), []);
});

test('blocking has one name in each language: 黑名单 (加入黑名单, 解除拉黑) and Blocks (Block, Lift)', () => {
  const zh = Object.entries(CATALOGS['zh-CN']).filter(([, text]) => /屏蔽|封禁|拉入黑/.test(text));
  assert.deepEqual(zh, [], 'the console calls it 黑名单 everywhere');
  assert.match(CATALOGS['zh-CN']['error.conflict.invite'], /黑名单/);
  assert.equal(CATALOGS['zh-CN']['nav.blocks'], '黑名单');
  const en = Object.entries(CATALOGS.en).filter(([, text]) => /blacklist|\bban(ned)?\b/i.test(text));
  assert.deepEqual(en, []);
  assert.match(CATALOGS.en['error.conflict.invite'], /blocked/);
});
