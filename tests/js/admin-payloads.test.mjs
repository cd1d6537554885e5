// Admin forms to API bodies and their checks: teams, categories, site routing, mail, chat limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hoursToForm } from '../../webui/js/business-hours.js';
import {
  categoryBody, companyBody, nextCategoryPosition, siteBody, SMTP_PORTS, smtpBody, teamBody, teamMemberChoices, userBody,
} from '../../webui/js/payloads.js';
import {
  checkEmail, checkWholeNumber, SMTP_SECURITY, validateCategory, validateCompany, validateSite, validateSmtp, validateTeam,
  validateUser,
} from '../../webui/js/validation.js';

const fields = (failures) => failures.map((failure) => failure.field);

test('a team: trimmed name, "" site means all sites, member ids as numbers', () => {
  assert.deepEqual(teamBody({ name: ' 售后 ', site_id: '', member_ids: ['3', '7'] }),
    { name: '售后', site_id: null, member_ids: [3, 7] });
  assert.deepEqual(teamBody({ name: 'Pre-sales', site_id: '2' }), { name: 'Pre-sales', site_id: 2, member_ids: [] });
  assert.deepEqual(fields(validateTeam({ name: '  ' })), ['name']);
  assert.deepEqual(validateTeam({ name: '售前' }), []);
});

test('member choices: active staff and deactivated members, ticked when members, by name; never a client account', () => {
  const users = [
    { id: 1, display_name: 'Zed', active: true, role: 'agent' }, { id: 2, display_name: 'Amy', active: true, role: 'owner' },
    { id: 3, display_name: 'Old', active: false, role: 'agent' }, { id: 4, display_name: 'Gone', active: false, role: 'supervisor' },
    { id: 5, display_name: 'Client', active: true, role: 'client' }, { id: 6, display_name: 'Was staff', active: true, role: 'client' },
  ];
  assert.deepEqual(teamMemberChoices(users, { member_ids: [1, 3, 6] }), [
    { id: 2, name: 'Amy', active: true, checked: false },
    { id: 3, name: 'Old', active: false, checked: true },
    { id: 1, name: 'Zed', active: true, checked: true },
  ]);
  assert.deepEqual(teamMemberChoices(users).map((c) => c.id), [2, 1]);
});

test('member choices of a site\'s team: owners and admins, and who serves that site; a shared team takes anyone', () => {
  const users = [
    { id: 1, display_name: 'Amy', active: true, role: 'owner', site_ids: [] },
    { id: 2, display_name: 'Bob', active: true, role: 'admin', site_ids: [] },
    { id: 3, display_name: 'Cat', active: true, role: 'agent', site_ids: [7, 8] },
    { id: 4, display_name: 'Dan', active: true, role: 'supervisor', site_ids: [8] },
    { id: 5, display_name: 'Eve', active: false, role: 'agent', site_ids: [7] },
  ];
  assert.deepEqual(teamMemberChoices(users, null, 7).map((c) => c.id), [1, 2, 3]);
  assert.deepEqual(teamMemberChoices(users, { site_id: 8, member_ids: [4] }).map((c) => [c.id, c.checked]),
    [[1, false], [2, false], [3, false], [4, true]]);
  assert.deepEqual(teamMemberChoices(users, { site_id: 7, member_ids: [5] }).map((c) => c.id), [1, 2, 3, 5]);
  assert.deepEqual(teamMemberChoices(users, { site_id: null, member_ids: [] }).map((c) => c.id), [1, 2, 3, 4]);
});

test('a category: name ≤ 40, "" team means none, new ones go last', () => {
  assert.deepEqual(categoryBody({ name: ' 预约 ', team_id: '' }, 3), { name: '预约', team_id: null, position: 3 });
  assert.deepEqual(categoryBody({ name: '退款', team_id: '5' }, 0), { name: '退款', team_id: 5, position: 0 });
  assert.equal(nextCategoryPosition([]), 0);
  assert.equal(nextCategoryPosition([{ position: 4 }, { position: 1 }]), 5);
  assert.deepEqual(validateCategory({ name: '一'.repeat(40) }), []);
  assert.equal(validateCategory({ name: '一'.repeat(41) })[0].key, 'validation.tooLong');
  assert.equal(validateCategory({ name: '' })[0].key, 'validation.required');
});

const site = {
  name: '官网', url: 'https://www.e.com', display_name: '', logo_url: '', greeting: '', theme_color: '#2563eb',
  widget_position: 'right', language: 'zh-CN', allowed_origins: '',
};

test('the site form sends routing, hours and offline fields only when it has them', () => {
  const basic = siteBody(site, { isNew: false, chooseCompany: false });
  for (const name of ['routing_strategy', 'fallback_team_id', 'unanswered_seconds', 'business_hours', 'offline_mode',
    'notify_email']) assert.ok(!Object.hasOwn(basic, name), name);
  const values = {
    ...site, routing_strategy: 'round_robin', fallback_team_id: '4', unanswered_seconds: '90',
    ...hoursToForm(null), hours_enabled: [], offline_mode: 'hide', notify_email: ' a@b.cn ',
  };
  const body = siteBody(values, { isNew: false, chooseCompany: false });
  assert.equal(body.routing_strategy, 'round_robin');
  assert.equal(body.fallback_team_id, 4);
  assert.equal(body.unanswered_seconds, 90);
  assert.equal(body.business_hours, null);
  assert.equal(body.offline_mode, 'hide');
  assert.equal(body.notify_email, 'a@b.cn');
  assert.equal(siteBody({ ...values, fallback_team_id: '' }, { isNew: false }).fallback_team_id, null);
  const open = siteBody({ ...values, hours_enabled: ['on'] }, { isNew: false });
  assert.equal(open.business_hours.timezone, 'Asia/Shanghai');
  assert.deepEqual(open.business_hours.week.mon, [['09:00', '18:00']]);
});

test('site checks cover the new controls', () => {
  const values = {
    ...site, routing_strategy: 'least_busy', fallback_team_id: '', unanswered_seconds: '60',
    ...hoursToForm(null), hours_enabled: ['on'], offline_mode: 'leave_message', notify_email: '',
  };
  assert.deepEqual(validateSite(values), []);
  assert.deepEqual(fields(validateSite({ ...values, routing_strategy: 'random' })), ['routing_strategy']);
  assert.deepEqual(fields(validateSite({ ...values, unanswered_seconds: '5' })), ['unanswered_seconds']);
  assert.deepEqual(fields(validateSite({ ...values, unanswered_seconds: '3601' })), ['unanswered_seconds']);
  assert.deepEqual(fields(validateSite({ ...values, unanswered_seconds: '1.5' })), ['unanswered_seconds']);
  assert.deepEqual(fields(validateSite({ ...values, hours_tue: '9-5' })), ['hours_tue']);
  assert.deepEqual(validateSite({ ...values, hours_enabled: [], hours_tue: '9-5' }), [], 'switched off: ignored');
  assert.deepEqual(fields(validateSite({ ...values, offline_mode: 'x' })), ['offline_mode']);
  assert.deepEqual(fields(validateSite({ ...values, notify_email: 'nobody' })), ['notify_email']);
  assert.deepEqual(validateSite(site), [], 'a form without them is not checked for them');
});

test('mail settings: an empty password keeps the stored one', () => {
  const values = { host: ' smtp.qq.com ', port: '465', security: 'tls', username: ' me@qq.com ', password: '',
    from_address: ' me@qq.com ' };
  assert.deepEqual(smtpBody(values), { host: 'smtp.qq.com', port: 465, security: 'tls', username: 'me@qq.com',
    password: null, from_address: 'me@qq.com' });
  assert.equal(smtpBody({ ...values, password: ' secret ' }).password, ' secret ');
  assert.deepEqual(validateSmtp(values), []);
  assert.deepEqual(fields(validateSmtp({ ...values, host: 'smtp qq' })), ['host']);
  assert.deepEqual(fields(validateSmtp({ ...values, host: '' })), ['host']);
  assert.deepEqual(fields(validateSmtp({ ...values, port: '0' })), ['port']);
  assert.deepEqual(fields(validateSmtp({ ...values, port: '65536' })), ['port']);
  assert.deepEqual(fields(validateSmtp({ ...values, security: 'ssl' })), ['security']);
  assert.deepEqual(fields(validateSmtp({ ...values, from_address: '' })), ['from_address']);
  assert.deepEqual(SMTP_SECURITY.map((mode) => SMTP_PORTS[mode]), [587, 465, 25]);
});

test('e-mail and whole-number checks', () => {
  assert.equal(checkEmail('a@localhost'), null, 'the server accepts a domain without a dot');
  assert.equal(checkEmail('a b@c.d').key, 'validation.email');
  assert.equal(checkEmail('', { optional: true }), null);
  assert.equal(checkEmail('').key, 'validation.required');
  assert.equal(checkWholeNumber('30', 1, 30), null);
  assert.deepEqual(checkWholeNumber('31', 1, 30), { key: 'validation.range', params: { min: 1, max: 30 } });
  assert.equal(checkWholeNumber('-1', 1, 30).key, 'validation.range');
  assert.equal(checkWholeNumber(' ', 1, 30, { optional: true }), null);
});

test('chat limits: a user may leave theirs empty (company default), a company may not', () => {
  const user = { display_name: '小李', role: 'agent', site_ids: ['1'] };
  assert.equal(userBody({ ...user, max_chats: '' }, { isNew: false }).max_chats, null);
  assert.equal(userBody({ ...user, max_chats: '8' }, { isNew: false }).max_chats, 8);
  assert.ok(!Object.hasOwn(userBody({ ...user, login: 'li', password: 'x'.repeat(8), max_chats: '8' }, { isNew: true }),
    'max_chats'), 'creating takes no limit; it is set right after');
  assert.deepEqual(validateUser({ ...user, max_chats: '' }, { isNew: false }), []);
  assert.deepEqual(fields(validateUser({ ...user, max_chats: '31' }, { isNew: false })), ['max_chats']);
  assert.deepEqual(companyBody({ name: ' 悦齿 ', max_chats: '6' }), { name: '悦齿', max_chats: 6 });
  assert.deepEqual(companyBody({ name: '悦齿' }), { name: '悦齿' });
  assert.deepEqual(fields(validateCompany({ name: '悦齿', max_chats: '' })), ['max_chats']);
  assert.deepEqual(validateCompany({ name: '悦齿' }), []);
});
