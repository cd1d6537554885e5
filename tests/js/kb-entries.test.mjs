// Knowledge-base forms: phrasings and synonyms from text, checks mirroring the server, list and import queries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { CATALOGS, translate } from '../../webui/js/i18n.js';
import {
  DEFAULT_BOT_NAMES, defaultBotName, entriesQuery, importPath, KB_LIMITS, pageOf, percent, phrasingsFromText, rowErrorField, termsFromText, validateEntry,
  validateTerms,
} from '../../webui/js/kb/entries.js';
import { parseHash, hrefFor, sectionOf } from '../../webui/js/routes.js';

const keys = (failures) => failures.map((f) => `${f.field}:${f.key}`);

test('phrasings: one per line, trimmed, empty lines and repeats dropped, order kept', () => {
  assert.deepEqual(phrasingsFromText(' 快递到哪了 \r\n\n物流单号\n快递到哪了\n  多久  到 \r'), ['快递到哪了', '物流单号', '多久 到']);
  assert.deepEqual(phrasingsFromText(''), []);
});

test('synonyms: commas of either width, 、, semicolons and lines separate terms', () => {
  assert.deepEqual(termsFromText('发票，开票、invoice; 发票\nfa piao'), ['发票', '开票', 'invoice', 'fa piao']);
  assert.deepEqual(validateTerms('发票, 发票'), [{ field: 'terms', key: 'kb.synonyms.tooFew' }]);
  assert.deepEqual(validateTerms('发票, 开票'), []);
  assert.equal(validateTerms(Array.from({ length: 31 }, (_, i) => `w${i}`).join(','))[0].key, 'kb.synonyms.tooMany');
  assert.equal(validateTerms(`a, ${'长'.repeat(41)}`)[0].key, 'kb.synonyms.termTooLong');
});

test('an entry needs a question of one line and an answer; limits as the server counts them', () => {
  const ok = { question: '多久发货？', phrasings: '', answerEmpty: false, answerLength: 10, category: '' };
  assert.deepEqual(validateEntry(ok), []);
  assert.deepEqual(keys(validateEntry({ ...ok, question: '  ', answerEmpty: true })),
    ['question:validation.required', 'answer:validation.required']);
  assert.deepEqual(keys(validateEntry({ ...ok, question: '😀'.repeat(200) })), []);
  assert.deepEqual(keys(validateEntry({ ...ok, question: '😀'.repeat(201) })), ['question:validation.tooLong']);
  assert.deepEqual(keys(validateEntry({ ...ok, question: 'a\u0007b' })), ['question:validation.controlChars']);
  assert.deepEqual(keys(validateEntry({ ...ok, answerLength: KB_LIMITS.answerMax + 1 })), ['answer:validation.tooLong']);
  assert.deepEqual(keys(validateEntry({ ...ok, category: '类'.repeat(41) })), ['category:validation.tooLong']);
  const many = Array.from({ length: 51 }, (_, i) => `问法${i}`).join('\n');
  assert.deepEqual(keys(validateEntry({ ...ok, phrasings: many })), ['phrasings:kb.phrasings.tooMany']);
  assert.deepEqual(keys(validateEntry({ ...ok, phrasings: `好\n${'长'.repeat(201)}` })), ['phrasings:kb.phrasings.tooLong']);
});

test('the list query leaves empty filters out and pages by 50', () => {
  assert.equal(entriesQuery({}), 'offset=0&limit=50');
  assert.equal(entriesQuery({ q: ' 发货 ', category: '物流', siteId: '3', offset: 100 }),
    'q=%E5%8F%91%E8%B4%A7&category=%E7%89%A9%E6%B5%81&site_id=3&offset=100&limit=50');
  assert.deepEqual(pageOf(50, 50, 120), { from: 51, to: 100, total: 120, hasPrevious: true, hasNext: true, previous: 0, next: 100 });
  assert.deepEqual(pageOf(0, 0, 0), { from: 0, to: 0, total: 0, hasPrevious: false, hasNext: false, previous: 0, next: 50 });
});

test('import paths: a known format or the file name, append unless replace, dry run as 0/1', () => {
  assert.equal(importPath(4, {}), '/api/companies/4/kb/import?mode=append&dry_run=0');
  assert.equal(importPath(4, { format: 'xlsx', mode: 'replace', dryRun: true }),
    '/api/companies/4/kb/import?format=xlsx&mode=replace&dry_run=1');
  assert.equal(importPath(4, { format: 'exe', mode: 'drop' }), '/api/companies/4/kb/import?mode=append&dry_run=0');
});

test('a broken row names the field it is about, when it does', () => {
  assert.equal(rowErrorField('answer is required'), 'answer');
  assert.equal(rowErrorField('question must be at most 200 characters'), 'question');
  assert.equal(rowErrorField('not valid JSON'), null);
  assert.equal(rowErrorField(undefined), null);
});

test('percentages are whole and clamped', () => {
  assert.equal(percent(0.873), '87%');
  assert.equal(percent(1.5), '100%');
  assert.equal(percent('x'), '0%');
});

test('knowledge-base routes live in their own section', () => {
  assert.deepEqual(parseHash('#/kb'), { name: 'kb', params: {} });
  assert.deepEqual(parseHash('#/kb/new'), { name: 'kb-new', params: {} });
  assert.deepEqual(parseHash('#/kb/12'), { name: 'kb-entry', params: { id: 12 } });
  for (const name of ['kb-import', 'kb-synonyms', 'kb-improve', 'kb-test']) {
    assert.equal(parseHash(hrefFor(name)).name, name);
    assert.equal(sectionOf(name), 'kb');
  }
  assert.equal(hrefFor('kb-entry', { id: 5 }), '#/kb/5');
});

test("the bot name's placeholder is the default the site's visitors really see, worded in the UI language", () => {
  const server = readFileSync(new URL('../../appliance/domain/bot_chat.py', import.meta.url), 'utf8');
  const names = JSON.parse(server.match(/^DEFAULT_NAMES = (\{.*\})$/m)[1]);
  assert.deepEqual(DEFAULT_BOT_NAMES, names, 'the same defaults as the server');
  assert.equal(defaultBotName('en'), 'Assistant');
  assert.equal(defaultBotName('zh-CN'), '智能助理');
  const en = (key, params) => translate(CATALOGS, 'en', key, params);
  const zh = (key, params) => translate(CATALOGS, 'zh-CN', key, params);
  assert.equal(en('site.bot.name.placeholder', { name: defaultBotName('en') }), 'Default: Assistant');
  assert.equal(zh('site.bot.name.placeholder', { name: defaultBotName('zh-CN') }), '默认：智能助理');
  assert.doesNotMatch(CATALOGS.en['site.bot.name.placeholder'], /[\u4e00-\u9fff]/, 'no Chinese in the English catalogue');
});
