// A throttled widget (429 with Retry-After, a throttling close code or nack) keeps its messages, says so and tries again later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Delivery } from '../../embed/delivery.js';
import { readOutbox } from '../../embed/store.js';
import { THROTTLED_MS, closeAction, httpOutcome, retryAfterMs } from '../../embed/delivery.js';
import { relayStorage } from '../../embed/store.js';
import { HttpError, createTransport, post } from '../../embed/transport.js';

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(key) { return this.map.has(key) ? this.map.get(key) : null; }
  setItem(key, value) { this.map.set(key, String(value)); }
  removeItem(key) { this.map.delete(key); }
}

const OUTBOX = 'kefu:s1:outbox';

/** A fake network: `answers[path]` is a list of {status, body, headers} served in turn (the last one repeats). */
function fakeFetch(answers, calls) {
  return async (url, init) => {
    const path = new URL(url).pathname;
    calls.push({ path, body: init.body ? JSON.parse(init.body) : null });
    const list = answers[path] || [{ status: 404, body: {} }];
    const answer = list.length > 1 ? list.shift() : list[0];
    if (answer.wait) await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, answer.wait);
      init.signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
    });
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers || {} });
  };
}

/** A socket that never connects (a network that blocks them): the transport falls back to long-poll. */
class DeadSocket {
  constructor() { setTimeout(() => this.onclose?.({ code: 1006 }), 1); }
  send() {}
  close() {}
}

test('429 is "throttled", not "refused": the message is neither nacked nor dropped', () => {
  assert.equal(httpOutcome(429), 'throttled');
  assert.equal(httpOutcome(400), 'refused');
  assert.equal(closeAction(4429), 'throttled');
  assert.equal(closeAction(1013), 'throttled');
  assert.equal(closeAction(1006), 'reconnect');
});

test('Retry-After in seconds or as an HTTP date, within 1 s … 5 min, 5 s when missing', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')), 10000);
  assert.equal(retryAfterMs(null), THROTTLED_MS);
  assert.equal(retryAfterMs('soon'), THROTTLED_MS);
  assert.equal(retryAfterMs('0'), 1000);
  assert.equal(retryAfterMs('86400'), 300000);
});

test('post() turns a 429 into an HttpError carrying Retry-After', async (t) => {
  const calls = [];
  t.mock.method(globalThis, 'fetch', fakeFetch({
    '/api/widget/session': [{ status: 429, body: { error: { code: 'rate_limited', message: 'slow down' } }, headers: { 'Retry-After': '3' } }],
  }, calls));
  await assert.rejects(post('http://kefu.test', '/api/widget/session', { site_key: 'k' }), (err) => {
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 3000);
    return true;
  });
});

test('a throttling nack keeps the message in the outbox; resend() sends it again with the same client id', () => {
  const storage = new MemoryStorage();
  const d = new Delivery({ storage, siteKey: 's1', now: () => 1000 });
  d.session({ visitor_token: 't', conversation: { id: 42, status: 'open', last_seq: 0 } }, {});
  d.opened({ type: 'hello', conversation: { id: 42, status: 'open', last_seq: 0 } });
  d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 });
  const first = d.write({ kind: 'text', body: '你好' }, 'c-1').filter((c) => c.type === 'send');
  assert.equal(first.length, 1);
  const cmds = d.frame({ type: 'nack', client_id: 'c-1', error: { code: 'rate_limited', retry_after: 2 } });
  assert.deepEqual(cmds, [{ type: 'throttled', ms: 2000 }]);
  assert.deepEqual(readOutbox(storage, OUTBOX).map((e) => e.client_id), ['c-1']);
  const again = d.resend().filter((c) => c.type === 'send').map((c) => c.frame);
  assert.deepEqual(again.map((f) => [f.client_id, f.body]), [['c-1', '你好']]);
  // A refusal for good still ends it.
  assert.deepEqual(d.frame({ type: 'nack', client_id: 'c-1', error: { code: 'too_long' } }).map((c) => c.type), ['failed']);
  assert.deepEqual(readOutbox(storage, OUTBOX), []);
});

test('long-poll: a send answered 429 waits Retry-After and goes again, once acknowledged', async (t) => {
  const calls = [];
  t.mock.method(globalThis, 'fetch', fakeFetch({
    '/api/widget/poll': [{ status: 200, body: { events: [] }, wait: 200 }],
    '/api/widget/send': [
      { status: 429, body: { error: { code: 'rate_limited', message: 'slow down' } }, headers: { 'Retry-After': '1' } },
      { status: 200, body: { type: 'ack', client_id: 'c-9', conversation_id: 42, seq: 1, created_at: 'x' } },
    ],
  }, calls));
  globalThis.WebSocket = DeadSocket;
  globalThis.addEventListener ||= () => {};
  globalThis.removeEventListener ||= () => {};
  const frames = [];
  const throttled = [];
  let transport;
  const opened = new Promise((resolve) => {
    transport = createTransport('http://kefu.test', 's1', {
      token: () => 'tok', cursors: () => ({}), opened: (hello, { poll }) => poll && resolve(), down() {},
      frame: (f) => frames.push(f), renew: async () => {}, refused: () => false, mode() {},
      throttled: (ms) => throttled.push(ms),
    });
    transport.start();
  });
  await opened;
  const started = Date.now();
  assert.equal(transport.send({ type: 'send', client_id: 'c-9', kind: 'text', body: '你好' }), true);
  while (!frames.some((f) => f.type === 'ack') && Date.now() - started < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  transport.stop();
  assert.deepEqual(throttled, [1000]);
  assert.ok(Date.now() - started >= 1000, 'waited for Retry-After');
  const sends = calls.filter((c) => c.path === '/api/widget/send').map((c) => c.body.client_id);
  assert.deepEqual(sends, ['c-9', 'c-9']);
  assert.deepEqual(frames.filter((f) => f.type === 'ack' || f.type === 'nack').map((f) => [f.type, f.client_id]), [['ack', 'c-9']]);
});

test('the page-relayed storage answers reads at once and settles writes when the page confirms them', async () => {
  const posted = [];
  const warned = [];
  const storage = relayStorage({ [OUTBOX]: '[]', other: 5 }, (m) => posted.push(m), () => warned.push(1), 50);
  assert.equal(storage.getItem(OUTBOX), '[]');
  assert.equal(storage.getItem('other'), null);
  storage.setItem(OUTBOX, '[{"client_id":"a"}]');
  assert.equal(storage.getItem(OUTBOX), '[{"client_id":"a"}]');
  assert.deepEqual(posted, [{ type: 'set', id: 1, key: OUTBOX, value: '[{"client_id":"a"}]' }]);
  let settled = false;
  storage.flushed().then(() => { settled = true; });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(settled, false);
  storage.stored(1, true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(settled, true);
  storage.removeItem(OUTBOX);
  storage.stored(2, false);
  assert.equal(storage.durable, false);
  assert.equal(warned.length, 1);
  const changed = [];
  storage.listen((key) => changed.push(key));
  storage.changed(OUTBOX, '[{"client_id":"b"}]');
  assert.deepEqual(changed, [OUTBOX]);
  assert.equal(storage.getItem(OUTBOX), '[{"client_id":"b"}]');
});
