// What a form shows for an API error, and which input a server `field` points at.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../webui/js/api.js';
import { errorKey, errorKeys, errorMessage, resolveField } from '../../webui/js/errors.js';

const t = (key, params) => (params ? `${key} ${JSON.stringify(params)}` : key);

test('generic situations use the catalog', () => {
  assert.equal(errorMessage(new ApiError({ status: 401, code: 'bad_credentials', message: 'Bad login' }), t),
    'error.bad_credentials');
  assert.equal(errorMessage(new ApiError({ status: 0, code: 'network' }), t), 'error.network');
  assert.equal(errorMessage(new ApiError({ status: 403, code: 'bad_setup_code', message: 'x' }), t), 'error.bad_setup_code');
});

test('rate limiting mentions the wait when the server gives one', () => {
  assert.equal(errorMessage(new ApiError({ status: 429, code: 'rate_limited', retryAfter: 30 }), t),
    'error.rate_limited_wait {"seconds":30}');
  assert.equal(errorMessage(new ApiError({ status: 429, code: 'rate_limited' }), t), 'error.rate_limited');
});

test('a refusal about a field is worded by code and field, in either language', () => {
  const catalog = { 'error.conflict.login': '该登录名已被占用。', 'error.invalid.login': '登录名为 3–100 个字符。',
    'error.invalid': '请检查填写的内容。', 'error.not_found': '找不到该内容。' };
  const tr = (key) => catalog[key] ?? key;
  const taken = new ApiError({ status: 409, code: 'conflict', message: 'That login is taken', field: 'login' });
  assert.equal(errorMessage(taken, tr, 'zh-CN'), '该登录名已被占用。');
  assert.equal(errorMessage(taken, tr, 'en'), '该登录名已被占用。', 'the catalogue, not the server, words fields');
  const nested = new ApiError({ status: 400, code: 'invalid', message: 'owner.login must be…', field: 'owner.login' });
  assert.equal(errorMessage(nested, tr, 'zh-CN'), '登录名为 3–100 个字符。');
  const bare = new ApiError({ status: 403, code: 'not_found', message: 'No such site' });
  assert.equal(errorMessage(bare, tr, 'zh-CN'), '找不到该内容。', 'no field: the code in the UI language');
  assert.equal(errorMessage(bare, tr, 'en'), 'No such site', 'English: the server says it best');
  const unknownField = new ApiError({ status: 400, code: 'invalid', message: 'x must be…', field: 'x' });
  assert.equal(errorMessage(unknownField, tr, 'zh-CN'), '请检查填写的内容。');
  assert.equal(errorMessage(new ApiError({ status: 400, code: 'invalid', message: '' }), t, 'zh-CN'), 'error.generic');
});

test('errorKeys and errorKey: most specific first, indexes dropped', () => {
  assert.deepEqual(errorKeys({ code: 'invalid', field: 'allowed_origins[2]' }),
    ['error.invalid.allowed_origins', 'error.invalid']);
  assert.deepEqual(errorKeys({ code: 'invalid', field: 'owner.login' }),
    ['error.invalid.owner.login', 'error.invalid.login', 'error.invalid.owner', 'error.invalid']);
  assert.deepEqual(errorKeys({ code: 'invalid', field: 'custom.budget' }),
    ['error.invalid.custom.budget', 'error.invalid.budget', 'error.invalid.custom', 'error.invalid']);
  assert.deepEqual(errorKeys({ code: 'bad_credentials', field: 'login' }), ['error.bad_credentials']);
  assert.deepEqual(errorKeys({ code: '<b>' }), ['error.generic']);
  assert.equal(errorKey({ code: 'invalid', field: 'owner.login' }, (key) => key === 'error.invalid.login'),
    'error.invalid.login');
  assert.equal(errorKey({ code: 'invalid', field: 'x' }, () => false), null);
});

test('non-API errors get the generic text', () => {
  assert.equal(errorMessage(new TypeError('boom'), t), 'error.generic');
  assert.equal(errorMessage(undefined, t), 'error.generic');
});

test('resolveField: exact, alias, nested and indexed names', () => {
  const known = ['setup_code', 'login', 'site_name', 'allowed_origins'];
  const aliases = { 'site.name': 'site_name' };
  assert.equal(resolveField('login', known, aliases), 'login');
  assert.equal(resolveField('owner.login', known, aliases), 'login');
  assert.equal(resolveField('site.name', known, aliases), 'site_name');
  assert.equal(resolveField('allowed_origins[3]', known), 'allowed_origins');
  assert.equal(resolveField('allowed_origins.3', known), 'allowed_origins');
  assert.equal(resolveField('name', known, aliases), null);
  assert.equal(resolveField(null, known), null);
});
