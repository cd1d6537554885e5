// What a form shows for an API error, and which input a server `field` points at.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../webui/js/api.js';
import { errorMessage, resolveField } from '../../webui/js/errors.js';

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

test('specific server messages are shown as sent', () => {
  const error = new ApiError({ status: 409, code: 'conflict', message: 'That login is taken', field: 'login' });
  assert.equal(errorMessage(error, t), 'That login is taken');
  assert.equal(errorMessage(new ApiError({ status: 400, code: 'invalid', message: '' }), t), 'error.generic');
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
