// Widget outbox and durable state: entries, order, send frames, storage failures, history merging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BODY_MAX, addToOutbox, checkBody, newClientId, newEntry, readOutbox, removeFromOutbox, sendFrame,
} from '../../embed/store.js';
import { claim, mergeHistory, readJSON, safeStorage, storageKeys } from '../../embed/store.js';

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(key) { return this.map.has(key) ? this.map.get(key) : null; }
  setItem(key, value) { this.map.set(key, String(value)); }
  removeItem(key) { this.map.delete(key); }
}

const KEY = 'kefu:site:outbox';
const entry = (id, body = 'hi') => newEntry({ kind: 'text', body }, { clientId: id, now: 1 });

test('client ids are UUIDs the server accepts, also without crypto.randomUUID (plain-http pages)', () => {
  const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(newClientId(), pattern);
  const fallback = newClientId({ getRandomValues: (a) => a.fill(255) });
  assert.match(fallback, pattern);
  assert.notEqual(newClientId(), newClientId());
});

test('bodies: empty and over 5000 characters (counted as the server does) are refused', () => {
  assert.equal(checkBody('   '), 'empty');
  assert.equal(checkBody('你好'), null);
  assert.equal(checkBody('字'.repeat(BODY_MAX)), null);
  assert.equal(checkBody('😀'.repeat(BODY_MAX)), null, 'an emoji is one character, not two');
  assert.equal(checkBody('a'.repeat(BODY_MAX + 1)), 'too_long');
});

test('entries keep the order written and survive a new reader (a reload)', () => {
  const storage = new MemoryStorage();
  addToOutbox(storage, KEY, entry('aaaaaaaa-1'));
  addToOutbox(storage, KEY, entry('aaaaaaaa-2'));
  addToOutbox(storage, KEY, entry('aaaaaaaa-1'));
  assert.deepEqual(readOutbox(storage, KEY).map((e) => e.client_id), ['aaaaaaaa-1', 'aaaaaaaa-2']);
  assert.equal(removeFromOutbox(storage, KEY, 'aaaaaaaa-1'), true);
  assert.equal(removeFromOutbox(storage, KEY, 'aaaaaaaa-1'), false);
  assert.deepEqual(readOutbox(storage, KEY).map((e) => e.client_id), ['aaaaaaaa-2']);
  removeFromOutbox(storage, KEY, 'aaaaaaaa-2');
  assert.equal(storage.getItem(KEY), null, 'an empty outbox leaves no key behind');
});

test('junk in storage is ignored, not fatal', () => {
  const storage = new MemoryStorage();
  storage.setItem(KEY, '{not json');
  assert.deepEqual(readOutbox(storage, KEY), []);
  storage.setItem(KEY, JSON.stringify([null, { client_id: 5 }, { client_id: 'x', kind: 'image' }, entry('ok-ok-ok')]));
  assert.deepEqual(readOutbox(storage, KEY).map((e) => e.client_id), ['ok-ok-ok']);
});

test('send frames: text with its body; attachments by id; never a conversation id', () => {
  assert.deepEqual(sendFrame(entry('cid-cid-1', '  你好 ')), { type: 'send', client_id: 'cid-cid-1', kind: 'text', body: '你好' });
  const image = newEntry({ kind: 'image', attachment: { id: 5, name: 'a.png', size: 3, mime: 'image/png', kind: 'image' } },
    { clientId: 'cid-cid-2', now: 1 });
  assert.deepEqual(sendFrame(image), { type: 'send', client_id: 'cid-cid-2', kind: 'image', attachment_id: 5 });
});

test('a question category chosen before the first message stays with its entry, so a resend carries it', () => {
  const storage = new MemoryStorage();
  addToOutbox(storage, KEY, newEntry({ body: '洗牙多少钱', category_id: 3 }, { clientId: 'cid-cid-3', now: 1 }));
  const [stored] = readOutbox(storage, KEY);
  assert.deepEqual(sendFrame(stored), { type: 'send', client_id: 'cid-cid-3', kind: 'text', body: '洗牙多少钱', category_id: 3 });
  for (const junk of [0, -1, 1.5, '3', null, undefined]) {
    const plain = newEntry({ body: 'x', category_id: junk }, { clientId: 'cid-cid-4', now: 1 });
    assert.ok(!('category_id' in plain), String(junk));
    assert.ok(!('category_id' in sendFrame(plain)));
  }
});

test('safeStorage keeps working in memory when the real storage throws', () => {
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() { throw new Error('x'); } };
  const storage = safeStorage(broken);
  storage.setItem('k', 'v');
  assert.equal(storage.getItem('k'), 'v');
  assert.equal(storage.durable, false);
  storage.removeItem('k');
  assert.equal(storage.getItem('k'), null);
  assert.equal(safeStorage(null).getItem('x'), null);
});

test('storage keys are per site and match what the loader reads', () => {
  assert.deepEqual(storageKeys('abc'), {
    state: 'kefu:abc:state', outbox: 'kefu:abc:outbox', history: 'kefu:abc:history', chime: 'kefu:abc:chime', open: 'kefu:abc:open',
  });
  assert.equal(readJSON(new MemoryStorage(), 'nothing'), null);
});

test('history from two tabs merges into a gap-free union', () => {
  const msg = (seq) => ({ seq, body: `m${seq}` });
  const a = { conversation_id: 4, last: 3, agent_read: 1, visitor_read: 3, messages: [msg(1), msg(2), msg(3)] };
  const b = { conversation_id: 4, last: 5, agent_read: 4, visitor_read: 2, messages: [msg(1), msg(2), msg(3), msg(4), msg(5)] };
  const merged = mergeHistory(a, b);
  assert.equal(merged.last, 5);
  assert.equal(merged.agent_read, 4);
  assert.equal(merged.visitor_read, 3);
  assert.deepEqual(merged.messages.map((x) => x.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(mergeHistory(b, a).messages.map((x) => x.seq), [1, 2, 3, 4, 5]);
});

test('a newer conversation wins over an older one, and history is trimmed to the newest messages', () => {
  const old = { conversation_id: 3, last: 1, messages: [{ seq: 1 }] };
  const fresh = { conversation_id: 4, last: 1, messages: [{ seq: 1 }] };
  assert.equal(mergeHistory(fresh, old), fresh);
  assert.equal(mergeHistory(old, fresh).conversation_id, 4);
  const many = { conversation_id: 5, last: 300, messages: Array.from({ length: 300 }, (_, i) => ({ seq: i + 1 })) };
  const trimmed = mergeHistory(null, many, 200);
  assert.equal(trimmed.messages.length, 200);
  assert.equal(trimmed.messages[0].seq, 101);
  assert.equal(trimmed.last, 300);
});

test('claim lets one tab chime once per message', () => {
  const storage = new MemoryStorage();
  assert.equal(claim(storage, 'c', 10), true);
  assert.equal(claim(storage, 'c', 10), false);
  assert.equal(claim(storage, 'c', 9), false);
  assert.equal(claim(storage, 'c', 11), true);
});
