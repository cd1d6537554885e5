// How the console plugs into the app: routes, nav for every role, socket frames and backoff, uploads.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { api, setCsrfToken } from '../../webui/js/api.js';
import { canOpen, defaultRouteFor, navForRole } from '../../webui/js/nav.js';
import { hrefFor, parseHash, sectionOf } from '../../webui/js/routes.js';
import {
  heartbeat, onSocketClose, onSocketMessage, PROTOCOL_BACKOFF, reconnectDelay,
} from '../../webui/js/socket-policy.js';

test('console routes: the list and one conversation', () => {
  assert.deepEqual(parseHash('#/console'), { name: 'console', params: {} });
  assert.deepEqual(parseHash('#/console/42'), { name: 'console', params: { id: 42 } });
  assert.equal(parseHash('#/console/x').name, 'not-found');
  assert.equal(hrefFor('console', { id: 7 }), '#/console/7');
  assert.equal(hrefFor('console'), '#/console');
  assert.deepEqual(parseHash('#/canned'), { name: 'canned', params: {} });
  assert.equal(sectionOf('canned'), 'console', 'canned replies live under the console');
});

test('every role lands on the console, which comes first in the nav', () => {
  for (const role of ['owner', 'admin', 'supervisor', 'agent']) {
    assert.equal(defaultRouteFor(role), 'console');
    assert.equal(navForRole(role)[0].id, 'console');
    assert.ok(canOpen(role, 'console'));
    assert.ok(canOpen(role, 'canned'));
  }
  assert.deepEqual(navForRole('owner').map((item) => item.id),
    ['console', 'visitors', 'kb', 'customers', 'leads', 'reports', 'board', 'sites', 'users', 'teams', 'company', 'mail', 'blocks', 'account']);
  assert.deepEqual(navForRole('agent').map((item) => item.id), ['console', 'visitors', 'kb', 'customers', 'leads', 'reports', 'account']);
  assert.ok(!canOpen('agent', 'sites'));
});

test('conversation frames go to the console; junk does not', () => {
  for (const type of ['message', 'conversation', 'read', 'typing', 'ack', 'nack', 'synced', 'reset', 'error',
    'visitors', 'visitors_delta', 'invitation']) {
    const text = JSON.stringify({ type, conversation_id: 1 });
    assert.deepEqual(onSocketMessage(text), { action: 'frame', frame: { type, conversation_id: 1 } }, type);
  }
  assert.deepEqual(onSocketMessage('{"type":"board","board":{"company_id":1}}'),
    { action: 'frame', frame: { type: 'board', board: { company_id: 1 } } }, 'the live board being watched');
  assert.deepEqual(onSocketMessage('{"type":"send"}'), { action: 'ignore' });
  assert.deepEqual(onSocketMessage('{"type":"pong"}'), { action: 'ignore' });
});

test('origin refused (4003) stops; other drops reconnect', () => {
  assert.deepEqual(onSocketClose(4003), { action: 'stop' });
  for (const code of [4008, 4400, 4408, 1006]) assert.deepEqual(onSocketClose(code), { action: 'reconnect' });
});

test('protocol backoff: 0.5 s doubling to 15 s, with jitter', () => {
  assert.equal(reconnectDelay(0, () => 1, PROTOCOL_BACKOFF), 500);
  assert.equal(reconnectDelay(1, () => 1, PROTOCOL_BACKOFF), 1000);
  assert.equal(reconnectDelay(10, () => 1, PROTOCOL_BACKOFF), 15000);
  assert.equal(reconnectDelay(10, () => 0, PROTOCOL_BACKOFF), 11250);
  assert.equal(reconnectDelay(5000, () => 1, PROTOCOL_BACKOFF), 15000, 'huge attempts stay finite');
});

test('heartbeat: ping after one silent interval, dead after 2.5', () => {
  assert.equal(heartbeat(5000, { intervalMs: 20000 }), null);
  assert.equal(heartbeat(20000, { intervalMs: 20000 }), 'ping');
  assert.equal(heartbeat(30000, { intervalMs: 20000, pinged: true }), null);
  assert.equal(heartbeat(50000, { intervalMs: 20000, pinged: true }), 'dead');
});

afterEach(() => {
  delete globalThis.document;
});

test('uploads are multipart with the CSRF header and no JSON content type', async () => {
  globalThis.document = { cookie: 'kefu_csrf=tok' };
  setCsrfToken('');
  const calls = [];
  globalThis.fetch = async (path, init) => {
    calls.push({ path, init });
    return new Response(JSON.stringify({ attachment: { id: 5, kind: 'image' } }), { status: 200 });
  };
  const file = new File(['png'], 'shot.png', { type: 'image/png' });
  const answer = await api.upload('/api/conversations/3/upload', file);
  assert.equal(answer.attachment.id, 5);
  const [{ path, init }] = calls;
  assert.equal(path, '/api/conversations/3/upload');
  assert.equal(init.method, 'POST');
  assert.equal(init.headers['X-CSRF-Token'], 'tok');
  assert.equal(init.headers['Content-Type'], undefined);
  assert.ok(init.body instanceof FormData);
  assert.equal(init.body.get('file').name, 'shot.png');
});
