// Request bodies built from form values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originsText, siteBody, userBody } from '../../webui/js/payloads.js';

const form = {
  company_id: '2', name: ' 官网 ', url: ' https://www.e.com/shop ', display_name: ' 悦齿 ', logo_url: '',
  greeting: ' 你好 ', theme_color: '#AABBCC', widget_position: 'left', language: 'en', allowed_origins: '',
};

test('a new site sends only name and address (and company when there is a choice)', () => {
  assert.deepEqual(siteBody(form, { isNew: true, chooseCompany: false }), { name: '官网', url: 'https://www.e.com/shop' });
  assert.deepEqual(siteBody(form, { isNew: true, chooseCompany: true }),
    { name: '官网', url: 'https://www.e.com/shop', company_id: 2 });
});

test('an edited site sends every field; empty origins mean the origin of the address', () => {
  assert.deepEqual(siteBody(form, { isNew: false, chooseCompany: false }), {
    name: '官网', url: 'https://www.e.com/shop', display_name: '悦齿', logo_url: '', greeting: '你好',
    theme_color: '#aabbcc', widget_position: 'left', language: 'en', allowed_origins: ['https://www.e.com'],
  });
  const listed = siteBody({ ...form, allowed_origins: 'https://a.com\nhttps://b.com/' }, { isNew: false });
  assert.deepEqual(listed.allowed_origins, ['https://a.com', 'https://b.com']);
});

test('origins text is one per line', () => {
  assert.equal(originsText(['https://a.com', 'https://b.com']), 'https://a.com\nhttps://b.com');
  assert.equal(originsText(undefined), '');
});

test('user bodies: new users carry login and password; managers carry no sites', () => {
  const values = { login: ' li ', display_name: ' 李 ', role: 'agent', password: 'p4ssword!', site_ids: ['1', '3'] };
  assert.deepEqual(userBody(values, { isNew: true }),
    { login: 'li', display_name: '李', role: 'agent', password: 'p4ssword!', site_ids: [1, 3] });
  assert.deepEqual(userBody(values, { isNew: false }), { display_name: '李', role: 'agent', site_ids: [1, 3] });
  assert.deepEqual(userBody({ ...values, role: 'admin' }, { isNew: false }).site_ids, []);
  assert.deepEqual(userBody({ ...values, site_ids: undefined }, { isNew: false }).site_ids, []);
});
