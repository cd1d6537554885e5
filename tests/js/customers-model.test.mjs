// Customers, leads and reports without the DOM: bodies, the lead rule, tags, canned order, ranges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  customerBody, customFieldsBody, ownerChoices, lastDays, lastMonth, leadBody, leadValues, missingLeadFields, orderForConversation, reportRows,
  recipientsFromText, recipientsText, SCHEDULES, settingsBody, tagsFromText,
} from '../../webui/js/customers/model.js';
import { filterCanned, usableIn } from '../../webui/js/console/canned.js';

test('tags are split on commas, semicolons and 、 in either script, without repeats', () => {
  assert.deepEqual(tagsFromText('VIP, 老客户；抖音、VIP,, '), ['VIP', '老客户', '抖音']);
  assert.deepEqual(tagsFromText(''), []);
});

test('the lead rule: "contact" is any of phone, e-mail, WeChat or QQ', () => {
  const rule = ['name', 'contact', 'need'];
  assert.deepEqual(missingLeadFields({}, rule), ['name', 'contact', 'need']);
  assert.deepEqual(missingLeadFields({ name: '张', qq: '12345', need: ' ' }, rule), ['need']);
  assert.deepEqual(missingLeadFields({ name: '张', wechat: 'w', need: '矫正' }, rule), []);
  assert.deepEqual(missingLeadFields({ name: '张' }, ['phone']), ['phone']);
});

test('the lead card starts from the saved lead, else from what the visitor told', () => {
  assert.equal(leadValues({ lead: null, prefill: { name: '李' } }).name, '李');
  assert.equal(leadValues({ lead: { name: '王', follow_up_date: null }, prefill: { name: '李' } }).name, '王');
  assert.equal(leadValues({ lead: { follow_up_date: null } }).follow_up_date, '');
  assert.deepEqual(Object.keys(leadBody({ name: ' 张 ' })).length, 9);
  assert.equal(leadBody({ name: ' 张 ' }).name, '张');
});

test('customer and settings bodies', () => {
  const fields = [{ key: 'budget', type: 'number' }, { key: 'day', type: 'date' }];
  assert.deepEqual(customerBody({ name: ' 张 ', tags: 'a,b', owner_id: '', 'custom.budget': '50', 'custom.day': '' }, fields),
    { name: '张', tags: ['a', 'b'], owner_id: null, custom: { budget: 50 } });
  assert.deepEqual(customFieldsBody([{ key: ' src ', label: '', type: 'choice', choices: '抖音, 百度' }, { key: '' }]),
    [{ key: 'src', label: 'src', type: 'choice', choices: ['抖音', '百度'] }]);
  assert.deepEqual(settingsBody({ timezone: ' Asia/Shanghai ', duplicate_days: '7', report_schedule: 'weekly',
    report_emails: 'a@x.com, b@x.com;c@x.com', retention_days: '0' }).report_emails, ['a@x.com', 'b@x.com', 'c@x.com']);
});

const replies = [
  { id: 1, site_id: null, company_id: null, shortcut: 'a-personal', body: '' },
  { id: 2, site_id: 5, company_id: null, shortcut: 'b-site', body: '' },
  { id: 3, site_id: null, company_id: 9, shortcut: 'c-company', body: '' },
  { id: 4, site_id: null, company_id: 8, shortcut: 'd-other-company', body: '' },
  { id: 5, site_id: 6, company_id: null, shortcut: 'e-other-site', body: '' },
];

test("a conversation's site and company come first in the canned picker; other companies' never", () => {
  assert.deepEqual(usableIn(replies, 5, 9).map((r) => r.id), [1, 2, 3]);
  assert.deepEqual(filterCanned(usableIn(replies, 5, 9), '', { siteId: 5, companyId: 9 }).map((r) => r.id), [2, 3, 1]);
  assert.deepEqual(orderForConversation(replies, 5, 9).map((r) => r.id), [2, 3, 1]);
});

test('report rows and the default range', () => {
  assert.deepEqual(reportRows([{ site_id: 1, leads: 3, billable: 2 }], 'site_id', (id) => `S${id}`), [['S1', 3, 2]]);
  assert.deepEqual(lastMonth(new Date(2026, 0, 15)), { from: '2025-12-01', to: '2025-12-31' });
  assert.deepEqual(lastDays(30, new Date(2026, 2, 1)), { from: '2026-01-31', to: '2026-03-01' });
});

test('report mail per recipient: one "address schedule" a line, in English or Chinese', () => {
  assert.deepEqual(recipientsFromText('li@example.com 每天\n\n wang@example.com, weekly \r\nzhao@example.com 每月\nx@example.com hourly'), [
    { email: 'li@example.com', schedule: 'daily' }, { email: 'wang@example.com', schedule: 'weekly' },
    { email: 'zhao@example.com', schedule: 'monthly' }, { email: 'x@example.com', schedule: 'hourly' }]);
  assert.deepEqual(recipientsFromText(''), []);
  assert.equal(recipientsText([{ email: 'li@example.com', schedule: 'daily' }, { email: 'w@example.com', schedule: 'monthly' }]),
    'li@example.com daily\nw@example.com monthly');
  assert.deepEqual(recipientsFromText(recipientsText([{ email: 'a@example.com', schedule: 'weekly' }])),
    [{ email: 'a@example.com', schedule: 'weekly' }]);
  assert.deepEqual(settingsBody({ report_recipients: 'a@example.com 每周' }).report_recipients, [{ email: 'a@example.com', schedule: 'weekly' }]);
  assert.ok(SCHEDULES.includes('daily'));
});

test('owner choices: nobody and those who may own; a current owner who no longer may stays, marked', () => {
  const t = (key, values) => (values ? `${key}:${values.name}` : key);
  const owners = [{ id: 1, display_name: '老板' }, { id: 3, display_name: '小李' }];
  const everyone = [...owners, { id: 5, display_name: '小王' }];
  assert.deepEqual(ownerChoices({ owner_id: 3 }, owners, everyone, t),
    [['', 'customer.noOwner'], ['1', '老板'], ['3', '小李']]);
  assert.deepEqual(ownerChoices({ owner_id: null }, owners, everyone, t).map(([id]) => id), ['', '1', '3']);
  assert.deepEqual(ownerChoices({ owner_id: 5 }, owners, everyone, t).at(-1), ['5', 'customer.owner.elsewhere:小王']);
  assert.deepEqual(ownerChoices({ owner_id: 9 }, owners, everyone, t).at(-1), ['9', 'customer.owner.elsewhere:#9']);
});

test('audit subjects the server writes are said in the UI language', async () => {
  const { auditSubject } = await import('../../webui/js/customers/model.js');
  const { CATALOGS } = await import('../../webui/js/i18n.js');
  const say = (lang) => (key, params) => CATALOGS[lang][key].replace(/\{(\w+)\}/g, (_, k) => String(params?.[k]));
  const zh = say('zh-CN');
  assert.equal(auditSubject('customer #5 张三', zh), '客户 #5 张三');
  assert.equal(auditSubject('customer #5', zh), '客户 #5');
  assert.equal(auditSubject('12 customers (csv)', zh), '12 位客户（CSV）');
  assert.equal(auditSubject('12 customers (xlsx)', say('en')), '12 customers (XLSX)');
  assert.equal(auditSubject('something else', zh), 'something else');
});

test('an import\'s broken rows are worded in the UI\'s language by their code and field', async () => {
  const { importRowProblem, importRefusal } = await import('../../webui/js/customers/model.js');
  const { CATALOGS, translate } = await import('../../webui/js/i18n.js');
  const zh = (key, params) => translate(CATALOGS, 'zh-CN', key, params);
  const en = (key, params) => translate(CATALOGS, 'en', key, params);
  const long = { row: 3, message: 'name must be at most 80 characters', code: 'invalid', field: 'name' };
  assert.equal(importRowProblem(long, zh, 'zh-CN'), CATALOGS['zh-CN']['error.invalid.name']);
  assert.doesNotMatch(importRowProblem(long, zh, 'zh-CN'), /must be/);
  const phone = { row: 4, message: 'phone: not a possible number', code: 'invalid', field: 'phone' };
  assert.equal(importRowProblem(phone, zh, 'zh-CN'), CATALOGS['zh-CN']['error.invalid.phone']);
  const many = { row: 20002, message: 'more than 20000 rows in one file', code: 'too_large', field: null };
  assert.equal(importRowProblem(many, zh, 'zh-CN'), CATALOGS['zh-CN']['customers.import.tooManyRows']);
  assert.equal(importRowProblem(many, en, 'en'), 'more than 20000 rows in one file');
  // A file refused as a whole is an import's refusal, never the chat upload's wording.
  const refused = { status: 400, code: 'invalid', field: 'file', message: 'The file is not a readable XLSX workbook' };
  assert.notEqual(importRefusal(refused, zh, 'zh-CN'), CATALOGS['zh-CN']['error.invalid.file']);
  assert.match(importRefusal(refused, zh, 'zh-CN'), /无法导入这个文件/);
  assert.match(importRefusal(refused, en, 'en'), /not a readable XLSX workbook/);
});
