// Widget reconnect policy: backoff, heartbeat, close codes, HTTP outcomes, long-poll fallback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEAD_AFTER_MS, MAX_DELAY_MS, closeAction, heartbeat, httpOutcome, reconnectDelay, shouldPoll,
} from '../../embed/delivery.js';

test('backoff starts near 0.5 s, doubles, and is capped at 15 s', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => reconnectDelay(n, mid)), [500, 1000, 2000, 4000, 8000, 15000]);
  assert.equal(reconnectDelay(40, mid), MAX_DELAY_MS);
  assert.equal(reconnectDelay(-3, mid), 500);
});

test('backoff jitter stays within ±20 % and never exceeds the cap', () => {
  assert.equal(reconnectDelay(0, () => 0), 400);
  assert.equal(reconnectDelay(0, () => 1), 600);
  assert.equal(reconnectDelay(10, () => 1), MAX_DELAY_MS);
  assert.equal(reconnectDelay(10, () => 0), 12000);
});

test('heartbeat: wait, then ping after one interval, dead after 2.5 intervals (50 s)', () => {
  assert.equal(DEAD_AFTER_MS, 50000);
  assert.equal(heartbeat(0), 'wait');
  assert.equal(heartbeat(19999), 'wait');
  assert.equal(heartbeat(20000), 'ping');
  assert.equal(heartbeat(49999), 'ping');
  assert.equal(heartbeat(50000), 'dead');
});

test('two failed socket attempts without any hello fall back to long-poll', () => {
  assert.equal(shouldPoll({ everConnected: false, failures: 1 }), false);
  assert.equal(shouldPoll({ everConnected: false, failures: 2 }), true);
  assert.equal(shouldPoll({ everConnected: true, failures: 9 }), false);
});

test('close codes: 4001 renews the session, 4003 stops, the rest reconnect', () => {
  assert.equal(closeAction(4001), 'renew');
  assert.equal(closeAction(4003), 'stop');
  for (const code of [1000, 1006, 1009, 1011, 4008, 4400, 4408]) assert.equal(closeAction(code), 'reconnect', code);
});

test('HTTP outcomes: ok, renew on 401, retry on network and server trouble, refused otherwise', () => {
  assert.equal(httpOutcome(200), 'ok');
  assert.equal(httpOutcome(401), 'renew');
  for (const s of [0, undefined, 408, 425, 500, 502, 503]) assert.equal(httpOutcome(s), 'retry', String(s));
  assert.equal(httpOutcome(429), 'throttled');
  for (const s of [400, 403, 404, 409, 413, 415, 422]) assert.equal(httpOutcome(s), 'refused', String(s));
});
