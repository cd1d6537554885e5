// Widget typing throttle: at most one frame per 2 s, the latest wish wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TYPING_INTERVAL_MS, TypingThrottle } from '../../embed/delivery.js';

test('the first keystroke sends typing at once; more within 2 s wait for the window', () => {
  const t = new TypingThrottle();
  assert.deepEqual(t.want(true, 1000), { send: true });
  assert.deepEqual(t.want(true, 1500), { wait: 1500 });
  assert.deepEqual(t.want(true, 3000), { send: true });
});

test('stopping sends false once, but not inside the window of the previous frame', () => {
  const t = new TypingThrottle();
  t.want(true, 0);
  assert.deepEqual(t.want(false, 500), { wait: 1500 });
  assert.deepEqual(t.want(false, TYPING_INTERVAL_MS), { send: false });
  assert.deepEqual(t.want(false, 9000), {});
});

test('nothing is sent for not typing when typing was never announced', () => {
  assert.deepEqual(new TypingThrottle().want(false, 0), {});
});

test('frames are never closer than 2 s, whatever the sequence of wishes', () => {
  const t = new TypingThrottle();
  const sentAt = [];
  for (let now = 0; now < 20000; now += 137) {
    const r = t.want(Math.floor(now / 900) % 2 === 0, now);
    if ('send' in r) sentAt.push(now);
  }
  for (let i = 1; i < sentAt.length; i++) assert.ok(sentAt[i] - sentAt[i - 1] >= TYPING_INTERVAL_MS);
  assert.ok(sentAt.length > 3);
});
