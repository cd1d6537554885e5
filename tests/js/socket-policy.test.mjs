// Console-socket decisions: URL, ping/pong, session end, backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  endedUrl, onSocketClose, onSocketMessage, reconnectDelay, SESSION_ENDED_CODE, socketUrl,
} from '../../webui/js/socket-policy.js';

test('socket URL follows the page protocol and host', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: '192.168.1.5:8080' }), 'ws://192.168.1.5:8080/api/agent/ws');
  assert.equal(socketUrl({ protocol: 'https:', host: 'kefu.example.com' }), 'wss://kefu.example.com/api/agent/ws');
});

test('ping is answered with pong', () => {
  assert.deepEqual(onSocketMessage('{"type":"ping"}'), { action: 'reply', message: { type: 'pong' } });
});

test('session_ended ends with its reason', () => {
  assert.deepEqual(onSocketMessage('{"type":"session_ended","reason":"deactivated"}'),
    { action: 'end', reason: 'deactivated' });
  assert.deepEqual(onSocketMessage('{"type":"session_ended"}'), { action: 'end', reason: 'session_ended' });
  assert.deepEqual(onSocketMessage('{"type":"session_ended","reason":"<script>"}'),
    { action: 'end', reason: 'session_ended' });
});

test('hello passes the user on; junk is ignored', () => {
  assert.deepEqual(onSocketMessage('{"type":"hello","user":{"id":1}}'), { action: 'hello', user: { id: 1 } });
  for (const text of ['not json', 'null', '42', '{"type":"other"}', '[]']) {
    assert.deepEqual(onSocketMessage(text), { action: 'ignore' }, text);
  }
});

test('close 4001 ends the session, anything else reconnects', () => {
  assert.equal(SESSION_ENDED_CODE, 4001);
  assert.deepEqual(onSocketClose(4001), { action: 'end', reason: 'session_ended' });
  assert.deepEqual(onSocketClose(4001, 'password_changed'), { action: 'end', reason: 'password_changed' });
  for (const code of [1000, 1001, 1006, 1011, 4000]) assert.deepEqual(onSocketClose(code), { action: 'reconnect' });
});

test('backoff doubles, stays within jitter bounds, and is capped', () => {
  assert.equal(reconnectDelay(0, () => 1), 1000);
  assert.equal(reconnectDelay(0, () => 0), 750);
  assert.equal(reconnectDelay(3, () => 1), 8000);
  assert.equal(reconnectDelay(20, () => 1), 30000);
  assert.ok(reconnectDelay(1) >= 1500 && reconnectDelay(1) <= 2000);
});

test('login URL carries the reason', () => {
  assert.equal(endedUrl('deactivated'), '/login?ended=deactivated');
  assert.equal(endedUrl(null), '/login?ended=session_ended');
  assert.equal(endedUrl('a b&c'), '/login?ended=session_ended');
});

test('a session check that hangs does not hold the reconnect back', async () => {
  const { sessionStands } = await import('../../webui/js/socket-policy.js');
  const never = () => new Promise(() => {});
  const started = Date.now();
  assert.equal(await sessionStands(never, 50), true, 'past the time: reconnect, the handshake tells');
  assert.ok(Date.now() - started < 1000);
  assert.equal(await sessionStands(() => Promise.resolve(false), 50), false, 'a session gone stops it');
  assert.equal(await sessionStands(() => Promise.resolve(true), 50), true);
  assert.equal(await sessionStands(() => Promise.reject(new Error('offline')), 50), true);
});
