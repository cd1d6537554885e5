// The fetch wrapper: JSON in/out, same-origin credentials, CSRF header on writes, ApiError.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import {
  api, ApiError, readCookie, setCsrfToken, setUnauthenticatedHandler,
} from '../../webui/js/api.js';

let calls;
let nextResponse;

function respond(status, body, headers = {}) {
  nextResponse = new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

beforeEach(() => {
  calls = [];
  globalThis.document = { cookie: 'theme=dark; kefu_csrf=tok%2Ben; other=1' };
  globalThis.fetch = async (path, init) => {
    calls.push({ path, init });
    return nextResponse;
  };
  setCsrfToken('');
  setUnauthenticatedHandler(null);
});

afterEach(() => {
  delete globalThis.document;
});

test('readCookie finds and decodes one cookie', () => {
  assert.equal(readCookie('a=1; kefu_csrf=abc%3D; b=2', 'kefu_csrf'), 'abc=');
  assert.equal(readCookie('xkefu_csrf=1', 'kefu_csrf'), '');
  assert.equal(readCookie('', 'kefu_csrf'), '');
  assert.equal(readCookie('kefu_csrf=%E0%A4%A', 'kefu_csrf'), '%E0%A4%A');
});

test('GET sends no body and no CSRF header, uses same-origin credentials', async () => {
  respond(200, { user: { id: 1 } });
  assert.deepEqual(await api.get('/api/me'), { user: { id: 1 } });
  const { path, init } = calls[0];
  assert.equal(path, '/api/me');
  assert.equal(init.method, 'GET');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.body, undefined);
  assert.equal(init.headers['X-CSRF-Token'], undefined);
});

test('writes send JSON and the CSRF cookie value', async () => {
  for (const method of ['post', 'patch', 'put']) {
    respond(200, { ok: true });
    await api[method]('/api/x', { name: '官网' });
  }
  respond(204);
  await api.delete('/api/x');
  for (const { init } of calls) assert.equal(init.headers['X-CSRF-Token'], 'tok+en');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, '{"name":"官网"}');
  assert.deepEqual(calls.map((call) => call.init.method), ['POST', 'PATCH', 'PUT', 'DELETE']);
});

test('POST without a body sends {}', async () => {
  respond(200, { ok: true });
  await api.post('/api/auth/logout');
  assert.equal(calls[0].init.body, '{}');
});

test('the token from /api/me is used when the cookie is unreadable', async () => {
  globalThis.document.cookie = '';
  setCsrfToken('from-me');
  respond(200, {});
  await api.post('/api/x', {});
  assert.equal(calls[0].init.headers['X-CSRF-Token'], 'from-me');
});

test('errors become ApiError with status, code, message, field and Retry-After', async () => {
  respond(400, { error: { code: 'invalid', message: 'Too long', field: 'name' } });
  const error = await api.post('/api/sites', {}).catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.deepEqual([error.status, error.code, error.message, error.field], [400, 'invalid', 'Too long', 'name']);

  respond(429, { error: { code: 'rate_limited', message: 'Slow down' } }, { 'Retry-After': '30' });
  const limited = await api.post('/api/auth/login', {}).catch((e) => e);
  assert.equal(limited.retryAfter, 30);
});

test('a non-JSON error body still gives an ApiError', async () => {
  nextResponse = new Response('<html>bad gateway</html>', { status: 502 });
  const error = await api.get('/api/me').catch((e) => e);
  assert.deepEqual([error.status, error.code, error.field], [502, 'http_502', null]);
});

test('a network failure is code "network"', async () => {
  globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
  const error = await api.get('/api/me').catch((e) => e);
  assert.deepEqual([error.status, error.code], [0, 'network']);
});

test('401 unauthenticated calls the session handler, bad_credentials does not', async () => {
  const seen = [];
  setUnauthenticatedHandler((error) => seen.push(error.code));
  respond(401, { error: { code: 'bad_credentials', message: 'no' } });
  await api.post('/api/auth/login', {}).catch(() => {});
  respond(401, { error: { code: 'unauthenticated', message: 'no' } });
  await api.get('/api/sites').catch(() => {});
  assert.deepEqual(seen, ['unauthenticated']);
});
