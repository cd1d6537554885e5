// The outbox: client ids, durable storage of unacknowledged messages, ack/nack, settling.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import { newClientId, Outbox } from '../../webui/js/console/outbox.js';
import { Timeline } from '../../webui/js/console/timeline.js';

function memoryStorage() {
  const data = new Map();
  return {
    data,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  };
}

const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

test('client ids fit the protocol, with or without randomUUID', () => {
  assert.match(newClientId(), CLIENT_ID);
  const insecure = { getRandomValues: (array) => webcrypto.getRandomValues(array) };
  const id = newClientId(insecure);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(newClientId(insecure), id);
});

test('entries survive a reload until acknowledged', () => {
  const storage = memoryStorage();
  const outbox = new Outbox({ storage, key: 'k' });
  outbox.add({ client_id: 'client-0001', conversation_id: 4, kind: 'text', body: '你好' });
  outbox.add({ client_id: 'client-0002', conversation_id: 5, kind: 'note', body: 'n' });
  const reloaded = new Outbox({ storage, key: 'k' });
  assert.deepEqual(reloaded.pending().map((e) => e.client_id), ['client-0001', 'client-0002']);
  assert.deepEqual(reloaded.pending(5).map((e) => e.client_id), ['client-0002']);
  reloaded.ack('client-0001', { seq: 9, created_at: '2026-01-01T00:00:00Z' });
  assert.equal(reloaded.get('client-0001').state, 'acked');
  assert.equal(reloaded.get('client-0001').seq, 9);
  assert.deepEqual(new Outbox({ storage, key: 'k' }).entries.map((e) => e.client_id), ['client-0002']);
  reloaded.ack('client-0002', { seq: 10 });
  // Nothing is left to send; only the acknowledged ids, for the user's other tabs (see the tabs' tests).
  assert.deepEqual(JSON.parse(storage.data.get('k')), { entries: [], acked: ['client-0001', 'client-0002'] });
});

test('nack marks the entry failed: kept to show, never resent', () => {
  const storage = memoryStorage();
  const outbox = new Outbox({ storage, key: 'k' });
  outbox.add({ client_id: 'client-0001', conversation_id: 4, kind: 'text', body: 'x' });
  outbox.fail('client-0001', { code: 'closed', message: 'The conversation is closed' });
  assert.deepEqual(outbox.pending(), []);
  const reloaded = new Outbox({ storage, key: 'k' });
  assert.equal(reloaded.get('client-0001').state, 'failed');
  assert.equal(reloaded.get('client-0001').error.code, 'closed');
  reloaded.remove('client-0001');
  assert.deepEqual(new Outbox({ storage, key: 'k' }).entries, []);
  assert.equal(outbox.ack('unknown-id', { seq: 1 }), null);
  assert.equal(outbox.fail('unknown-id', {}), null);
});

test('corrupt or foreign storage is ignored', () => {
  const storage = memoryStorage();
  storage.setItem('k', 'not json');
  assert.deepEqual(new Outbox({ storage, key: 'k' }).entries, []);
  storage.setItem('k', JSON.stringify([{ client_id: 'x', conversation_id: 1, kind: 'text', body: '', state: 'sending' },
    { client_id: 'good-client-id', conversation_id: 1, kind: 'text', body: 'ok', state: 'sending' },
    { client_id: 'other-client', conversation_id: 1, kind: 'system', body: 'ok', state: 'sending' }]));
  assert.deepEqual(new Outbox({ storage, key: 'k' }).entries.map((e) => e.client_id), ['good-client-id']);
  const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); } };
  const outbox = new Outbox({ storage: broken });
  outbox.add({ client_id: 'client-0001', conversation_id: 1, kind: 'text', body: 'still works' });
  assert.equal(outbox.pending().length, 1);
});

test('frames keep the client id and carry attachments', () => {
  const outbox = new Outbox();
  const text = outbox.add({ client_id: 'client-0001', conversation_id: 3, kind: 'text', body: 'hi' });
  assert.deepEqual(Outbox.frame(text), { type: 'send', client_id: 'client-0001', conversation_id: 3, kind: 'text', body: 'hi' });
  const image = outbox.add({ client_id: 'client-0002', conversation_id: 3, kind: 'image', body: '', attachment_id: 5 });
  assert.equal(Outbox.frame(image).attachment_id, 5);
});

test('settle drops entries the timeline shows, by client id or by acked seq', () => {
  const outbox = new Outbox();
  outbox.add({ client_id: 'client-0001', conversation_id: 3, kind: 'text', body: 'a' });
  outbox.add({ client_id: 'client-0002', conversation_id: 3, kind: 'text', body: 'b' });
  outbox.add({ client_id: 'client-0003', conversation_id: 3, kind: 'text', body: 'c' });
  outbox.ack('client-0002', { seq: 2 });
  const timeline = new Timeline();
  timeline.receive({ seq: 1, client_id: 'client-0001' });
  outbox.settle(3, timeline);
  assert.deepEqual(outbox.entries.map((e) => e.client_id), ['client-0002', 'client-0003']);
  timeline.receive({ seq: 2 });
  outbox.settle(3, timeline);
  assert.deepEqual(outbox.entries.map((e) => e.client_id), ['client-0003']);
});
