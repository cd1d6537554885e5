// Hash-route parsing and building for the app page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fragmentParam, hrefFor, parseHash, sectionOf } from '../../webui/js/routes.js';

test('empty and root hashes are home', () => {
  for (const hash of ['', '#', '#/', '#//']) assert.deepEqual(parseHash(hash), { name: 'home', params: {} });
});

test('list, new and detail routes', () => {
  assert.deepEqual(parseHash('#/sites'), { name: 'sites', params: {} });
  assert.deepEqual(parseHash('#/sites/new'), { name: 'site-new', params: {} });
  assert.deepEqual(parseHash('#/sites/42'), { name: 'site', params: { id: 42 } });
  assert.deepEqual(parseHash('#/users/7'), { name: 'user', params: { id: 7 } });
  assert.deepEqual(parseHash('#/users/new'), { name: 'user-new', params: {} });
  assert.equal(parseHash('#/company').name, 'company');
  assert.equal(parseHash('#/account').name, 'account');
  assert.equal(parseHash('#/console').name, 'console');
});

test('tolerates a missing slash, trailing slashes and a query', () => {
  assert.equal(parseHash('#sites').name, 'sites');
  assert.deepEqual(parseHash('#/sites/3/'), { name: 'site', params: { id: 3 } });
  assert.equal(parseHash('#/account?tab=x').name, 'account');
});

test('anything else is not found', () => {
  for (const hash of ['#/sites/abc', '#/sites/1/2', '#/admin', '#code=ABC', '#/sites/-1']) {
    assert.equal(parseHash(hash).name, 'not-found', hash);
  }
});

test('hrefFor builds what parseHash reads', () => {
  for (const [name, params] of [['sites', {}], ['site', { id: 5 }], ['site-new', {}], ['users', {}],
    ['user', { id: 9 }], ['user-new', {}], ['company', {}], ['account', {}], ['console', {}]]) {
    assert.deepEqual(parseHash(hrefFor(name, params)), { name, params });
  }
  assert.equal(hrefFor('home'), '#/');
});

test('routes map to nav sections', () => {
  assert.equal(sectionOf('site'), 'sites');
  assert.equal(sectionOf('user-new'), 'users');
  assert.equal(sectionOf('home'), null);
  assert.equal(sectionOf('not-found'), null);
});

test('fragmentParam reads the setup code the launcher passes', () => {
  assert.equal(fragmentParam('#code=7KQM-2XPD-9RTA', 'code'), '7KQM-2XPD-9RTA');
  assert.equal(fragmentParam('#code=7KQM%2D2XPD', 'code'), '7KQM-2XPD');
  assert.equal(fragmentParam('#x=1&code=AB', 'code'), 'AB');
  assert.equal(fragmentParam('', 'code'), null);
  assert.equal(fragmentParam('#/sites', 'code'), null);
});

test('report routes carry their kind; unknown kinds are not routes', () => {
  assert.deepEqual(parseHash('#/reports'), { name: 'reports', params: {} });
  assert.deepEqual(parseHash('#/reports/chats'), { name: 'reports', params: { kind: 'chats' } });
  assert.deepEqual(parseHash('#/reports/agents'), { name: 'reports', params: { kind: 'agents' } });
  assert.deepEqual(parseHash('#/reports/secrets').name, 'not-found');
  assert.deepEqual(parseHash('#/portal/reports/traffic'), { name: 'portal-reports', params: { kind: 'traffic' } });
  assert.equal(parseHash('#/portal/reports/agents').name, 'not-found', 'the portal has no agents report');
  assert.deepEqual(parseHash('#/board'), { name: 'board', params: {} });
  assert.equal(hrefFor('reports', { kind: 'conversion' }), '#/reports/conversion');
  assert.equal(hrefFor('reports'), '#/reports');
  assert.equal(hrefFor('portal-reports', { kind: 'chats' }), '#/portal/reports/chats');
  assert.equal(sectionOf('portal-reports'), 'portal');
  assert.equal(sectionOf('board'), 'board');
});
