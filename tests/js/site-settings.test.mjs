// Site page additions: pre-chat selects to payload and back, typing preview, their checks and hooks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CATALOGS } from '../../webui/js/i18n.js';
import { prechatChoices, prechatFields, siteBody } from '../../webui/js/payloads.js';
import { PRECHAT_CHOICES, PRECHAT_FIELDS, validateSite } from '../../webui/js/validation.js';

const zhCN = CATALOGS['zh-CN'];

const VIEWS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui', 'js', 'app', 'views');

const edited = {
  name: '官网', url: 'https://www.e.com', display_name: '', logo_url: '', greeting: '', theme_color: '#2563eb',
  widget_position: 'right', language: 'zh-CN', allowed_origins: '',
};
const off = { name: 'off', email: 'off', phone: 'off' };

test('a site without a pre-chat form shows "not asked" three times', () => {
  assert.deepEqual(prechatChoices([]), off);
  assert.deepEqual(prechatChoices(undefined), off);
  assert.deepEqual(prechatChoices(null), off);
});

test('asked fields show as optional or required; unknown entries are ignored', () => {
  assert.deepEqual(prechatChoices([{ field: 'phone', required: true }, { field: 'name', required: false }]),
    { name: 'optional', email: 'off', phone: 'required' });
  assert.deepEqual(prechatChoices([{ field: 'fax', required: true }, null, 'email']), off);
});

test('no field asked gives an empty list, which means no form', () => {
  assert.deepEqual(prechatFields(off), []);
  assert.deepEqual(prechatFields({}), []);
});

test('asked fields become entries in name, e-mail, phone order', () => {
  assert.deepEqual(prechatFields({ name: 'required', email: 'off', phone: 'optional' }), [
    { field: 'name', required: true }, { field: 'phone', required: false },
  ]);
  assert.deepEqual(prechatFields({ name: 'optional', email: 'optional', phone: 'required' }).map((e) => e.field),
    ['name', 'email', 'phone']);
  assert.deepEqual(prechatFields({ name: 'sometimes', email: 'required' }), [{ field: 'email', required: true }]);
});

test('fields keep the order the site already has; newly asked ones follow', () => {
  const previous = [{ field: 'phone', required: true }, { field: 'name', required: false }];
  assert.deepEqual(prechatFields({ name: 'required', email: 'optional', phone: 'optional' }, previous), [
    { field: 'phone', required: false }, { field: 'name', required: true }, { field: 'email', required: false },
  ]);
  assert.deepEqual(prechatFields({ name: 'optional', phone: 'off' }, [{ field: 'fax' }, null]),
    [{ field: 'name', required: false }]);
});

test('choices and fields round-trip', () => {
  const lists = [
    [],
    [{ field: 'email', required: true }],
    [{ field: 'phone', required: false }, { field: 'email', required: true }, { field: 'name', required: false }],
  ];
  for (const fields of lists) assert.deepEqual(prechatFields(prechatChoices(fields), fields), fields);
  for (const name of PRECHAT_CHOICES) {
    for (const phone of PRECHAT_CHOICES) {
      const choices = { name, email: 'off', phone };
      assert.deepEqual(prechatChoices(prechatFields(choices)), choices);
    }
  }
});

test('an edited site sends typing preview and the pre-chat list from its controls', () => {
  const values = { ...edited, typing_preview: ['on'], prechat_name: 'required', prechat_email: 'off',
    prechat_phone: 'optional' };
  const body = siteBody(values, { isNew: false, chooseCompany: false });
  assert.equal(body.typing_preview, true);
  assert.deepEqual(body.prechat_fields, [{ field: 'name', required: true }, { field: 'phone', required: false }]);
  const unchecked = siteBody({ ...values, typing_preview: [], prechat_name: 'off', prechat_phone: 'off' },
    { isNew: false, chooseCompany: false });
  assert.equal(unchecked.typing_preview, false);
  assert.deepEqual(unchecked.prechat_fields, []);
});

test('the pre-chat list keeps the order of the site being edited', () => {
  const values = { ...edited, prechat_name: 'optional', prechat_email: 'required', prechat_phone: 'off' };
  const prechat = [{ field: 'email', required: false }, { field: 'name', required: false }];
  assert.deepEqual(siteBody(values, { isNew: false, prechat }).prechat_fields.map((e) => e.field), ['email', 'name']);
});

test('settings without controls on the form are left out of the body', () => {
  const body = siteBody(edited, { isNew: false, chooseCompany: false });
  assert.equal(Object.hasOwn(body, 'typing_preview'), false);
  assert.equal(Object.hasOwn(body, 'prechat_fields'), false);
  const created = siteBody({ ...edited, typing_preview: ['on'], prechat_name: 'required' }, { isNew: true });
  assert.deepEqual(Object.keys(created), ['name', 'url']);
});

test('pre-chat selects are checked only when the form has them', () => {
  assert.deepEqual(validateSite(edited), []);
  const asked = { prechat_name: 'off', prechat_email: 'optional', prechat_phone: 'required' };
  assert.deepEqual(validateSite({ ...edited, ...asked }), []);
  assert.deepEqual(validateSite({ ...edited, prechat_name: 'maybe', prechat_phone: '' }).map((f) => [f.field, f.key]),
    [['prechat_name', 'validation.choice'], ['prechat_phone', 'validation.choice']]);
});

test('every pre-chat field and choice has a label in the catalog', () => {
  const keys = [...PRECHAT_FIELDS, ...PRECHAT_CHOICES].map((value) => `site.prechat.${value}`);
  assert.deepEqual(keys.filter((key) => !Object.hasOwn(zhCN, key)), []);
});

test('the site page has the agreed hooks', () => {
  const source = readdirSync(VIEWS).filter((file) => file.startsWith('site'))
    .map((file) => readFileSync(join(VIEWS, file), 'utf8')).join('\n');
  const hooks = ['site-typing-preview', 'site-prechat-name', 'site-prechat-email', 'site-prechat-phone',
    'site-chat-link', 'site-chat-qr', 'site-identity-secret-generate', 'site-identity-secret'];
  assert.deepEqual(hooks.filter((hook) => !source.includes(`'${hook}'`)), []);
});

test('a snippet that loads the chat from this computer only is told apart', async () => {
  const { localOnlyAddress } = await import('../../webui/js/payloads.js');
  const snippet = (base) => `<script>\n(function(w,d,u,k){ })(window,document,"${base}","Xb3k");\n</script>`;
  for (const base of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'http://0.0.0.0:9000',
    'http://127.1.2.3']) {
    assert.equal(localOnlyAddress(snippet(base)), base, base);
  }
  for (const base of ['https://chat.example.com', 'http://192.168.1.20:8080', 'http://kefu.lan']) {
    assert.equal(localOnlyAddress(snippet(base)), null, base);
  }
  assert.equal(localOnlyAddress(''), null);
  assert.ok(CATALOGS['zh-CN']['snippet.local'].includes('{address}'));
});
