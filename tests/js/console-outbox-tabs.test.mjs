// The outbox and the drafts in localStorage, shared by an agent's tabs: merging, caps, storage trouble, sign-out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Drafts, DRAFT_KEEP_DAYS, MAX_DRAFTS } from '../../webui/js/console/drafts.js';
import { ConsoleEngine } from '../../webui/js/console/engine.js';
import { DROPPED, KEEP_DAYS, MAX_ENTRIES, Outbox } from '../../webui/js/console/outbox.js';
import en from '../../webui/js/messages/errors-en.js';
import zhCN from '../../webui/js/messages/errors-zh-CN.js';

const DAY = 86_400_000;

/** One origin's localStorage; `full` makes writes fail as a full (or private-mode) storage does. */
function sharedStorage() {
  const data = new Map();
  const storage = {
    data, full: false,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => {
      if (storage.full) throw new Error('QuotaExceededError');
      data.set(k, String(v));
    },
    removeItem: (k) => data.delete(k),
  };
  return storage;
}

const clock = (start = Date.parse('2026-03-01T08:00:00Z')) => {
  const now = () => clock.at;
  clock.at = start;
  return now;
};
const text = (id, conversation = 4, body = id) => ({ client_id: id, conversation_id: conversation, kind: 'text', body });
const ids = (entries) => entries.map((entry) => entry.client_id);
const stored = (storage, key = 'k') => JSON.parse(storage.getItem(key) || '{"entries":[]}');

test('a tab never brings back what another tab had acknowledged', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  a.add(text('message-01'));
  const b = new Outbox({ storage, key: 'k' }); // opened meanwhile: it draws message-01 as sending
  assert.deepEqual(ids(b.pending()), ['message-01']);
  a.ack('message-01', { seq: 7 });
  b.add(text('message-02')); // no storage event yet: B's copy of message-01 is stale
  assert.deepEqual(ids(stored(storage).entries), ['message-02']);
  assert.equal(b.get('message-01').state, 'acked', 'acknowledged elsewhere: not resent');
  assert.deepEqual(ids(b.pending()), ['message-02']);
  assert.deepEqual(ids(new Outbox({ storage, key: 'k' }).pending()), ['message-02']);
});

test('the storage event brings in what other tabs wrote, failed, discarded and had acknowledged', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  a.add(text('message-01'));
  a.add(text('message-02'));
  const b = new Outbox({ storage, key: 'k' });
  a.fail('message-02', { code: 'closed', message: 'The conversation is closed' });
  assert.deepEqual(b.refresh(), { changed: true, adopted: [] });
  assert.equal(b.get('message-02').state, 'failed');
  assert.equal(b.get('message-02').error.code, 'closed');
  a.remove('message-02'); // discarded there: gone here too
  b.refresh();
  assert.equal(b.get('message-02'), null);
  a.ack('message-01', { seq: 3 });
  b.refresh();
  assert.equal(b.get('message-01').state, 'acked');
  assert.deepEqual(b.pending(), []);
  a.add(text('message-03', 5));
  const { changed, adopted } = b.refresh();
  assert.ok(changed);
  assert.deepEqual(ids(adopted), ['message-03']);
  assert.deepEqual(ids(b.pending(5)), ['message-03']);
  assert.deepEqual(b.refresh(), { changed: false, adopted: [] }, 'nothing new: nothing changes');
});

test('two tabs resending one entry: each tab holds and draws it once', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  a.add(text('message-01'));
  const b = new Outbox({ storage, key: 'k' });
  b.refresh();
  b.refresh();
  a.add(text('message-02'));
  b.refresh();
  assert.deepEqual(ids(b.entries), ['message-01', 'message-02']);
  // A storage item written twice over (two tabs in the same instant) still holds each id once.
  const raw = stored(storage);
  storage.setItem('k', JSON.stringify({ ...raw, entries: [...raw.entries, raw.entries[0]] }));
  assert.deepEqual(ids(new Outbox({ storage, key: 'k' }).entries), ['message-01', 'message-02']);
  // Both tabs sent message-01; the server stored it once (dedup by client id): B draws it once.
  const engine = new ConsoleEngine({ me: { id: 1, display_name: 'me' }, outbox: b });
  engine.loadMessages(4, { messages: [{ seq: 1, conversation_id: 4, client_id: 'message-01', kind: 'text', body: 'message-01',
    sender: { type: 'agent', id: 1, name: 'me' } }], last_seq: 1 });
  assert.deepEqual(engine.items(4).map((item) => [item.message.client_id, item.state]),
    [['message-01', 'sent'], ['message-02', 'sending']]);
  assert.deepEqual(ids(stored(storage).entries), ['message-02'], 'shown in the timeline: settled for every tab');
  a.refresh();
  assert.equal(a.get('message-01').state, 'acked');
});

test("adopted entries take their place by the time they were written, each tab's in its order", () => {
  const storage = sharedStorage();
  const now = clock();
  const a = new Outbox({ storage, key: 'k', now });
  const b = new Outbox({ storage, key: 'k', now });
  a.add(text('message-01'));
  clock.at += 1000;
  b.add(text('message-02'));
  clock.at += 1000;
  a.add(text('message-03'));
  b.refresh();
  assert.deepEqual(ids(b.pending()), ['message-01', 'message-02', 'message-03']);
  assert.deepEqual(ids(a.pending()), ['message-01', 'message-02', 'message-03']);
});

test(`caps: unsent messages older than ${KEEP_DAYS} days, then beyond ${MAX_ENTRIES}, are dropped oldest first and shown failed`, () => {
  const storage = sharedStorage();
  const now = clock();
  const a = new Outbox({ storage, key: 'k', now });
  a.add(text('old-message'));
  clock.at += DAY;
  a.add(text('newer-message'));
  const b = new Outbox({ storage, key: 'k', now });
  clock.at += (KEEP_DAYS - 1) * DAY + 1000; // old-message is now older than KEEP_DAYS
  const later = new Outbox({ storage, key: 'k', now });
  assert.deepEqual(ids(later.entries), ['newer-message'], 'a tab opened now does not send it');
  assert.deepEqual(ids(stored(storage).entries), ['newer-message']);
  b.refresh();
  assert.equal(b.get('old-message').state, 'failed', 'a tab that showed it says it was not sent');
  assert.equal(b.get('old-message').error.code, DROPPED);
  assert.deepEqual(ids(b.pending()), ['newer-message']);
  a.refresh();
  assert.equal(a.get('old-message').error.code, DROPPED);
  a.remove('old-message'); // the agent discards it (or edits it into a new message)
  assert.equal(a.get('old-message'), null);

  for (let n = 0; n < MAX_ENTRIES; n += 1) {
    clock.at += 1;
    a.add(text(`bulk-${String(n).padStart(4, '0')}`, 9));
  }
  assert.equal(stored(storage).entries.length, MAX_ENTRIES);
  assert.equal(stored(storage).entries[0].client_id, 'bulk-0000', 'the oldest went first');
  assert.equal(a.get('newer-message').state, 'failed');
  assert.equal(a.get('newer-message').error.code, DROPPED);
  assert.equal(a.pending().length, MAX_ENTRIES);
  b.refresh();
  assert.equal(b.get('newer-message').error.code, DROPPED);
  assert.equal(b.pending().length, MAX_ENTRIES);
});

test('the dropped message is worded in both languages, with the caps it names', () => {
  assert.match(en[`error.${DROPPED}`], new RegExp(`${KEEP_DAYS} days.*${MAX_ENTRIES}`));
  assert.match(zhCN[`error.${DROPPED}`], new RegExp(`${KEEP_DAYS} 天.*${MAX_ENTRIES}`));
});

test('a full storage keeps entries in memory, and stores them once there is room', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  storage.full = true;
  a.add(text('message-01'));
  assert.deepEqual(ids(a.pending()), ['message-01']);
  assert.equal(storage.getItem('k'), null);
  a.refresh();
  assert.deepEqual(ids(a.pending()), ['message-01'], 'not taken for dropped: it never reached storage');
  storage.full = false;
  a.add(text('message-02'));
  assert.deepEqual(ids(stored(storage).entries), ['message-01', 'message-02']);
  const blocked = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => { throw new Error('x'); },
    removeItem: () => { throw new Error('x'); } };
  const memoryOnly = new Outbox({ storage: blocked, key: 'k' });
  memoryOnly.add(text('message-03'));
  memoryOnly.ack('message-03', { seq: 1 });
  assert.equal(memoryOnly.refresh().changed, false);
  assert.equal(memoryOnly.get('message-03').state, 'acked');
});

test('sign-out forgets the outbox: storage cleared, nothing written after it; other tabs show theirs failed', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  const other = new Outbox({ storage, key: 'other-user' });
  other.add(text('theirs-0001'));
  a.add(text('message-01'));
  const b = new Outbox({ storage, key: 'k' });
  a.forget();
  assert.equal(storage.getItem('k'), null);
  assert.deepEqual(a.unsent(), []);
  a.add(text('message-02')); // a late answer or keystroke of the page being left
  assert.equal(storage.getItem('k'), null);
  b.refresh();
  assert.equal(b.get('message-01').error.code, DROPPED);
  assert.deepEqual(ids(new Outbox({ storage, key: 'other-user' }).pending()), ['theirs-0001'], 'scoped per user');
});

test('drafts: storage is the truth, so a stale tab never clobbers a draft edited in another', () => {
  const storage = sharedStorage();
  const a = new Drafts({ storage, key: 'd' });
  const b = new Drafts({ storage, key: 'd' });
  a.set(1, { body: '您好，' });
  assert.deepEqual(b.get(1), { body: '您好，', note: false });
  a.set(1, { body: '您好，订单已发货' });
  b.set(2, { body: '另一个对话', note: true }); // B's memory still held the older draft of 1
  assert.deepEqual(new Drafts({ storage, key: 'd' }).get(1), { body: '您好，订单已发货', note: false });
  assert.deepEqual(a.get(2), { body: '另一个对话', note: true });
  b.clear(1);
  assert.deepEqual(a.get(1), { body: '', note: false });
  b.forget();
  assert.equal(storage.getItem('d'), null);
  b.set(3, { body: 'after sign-out' });
  assert.equal(storage.getItem('d'), null);
});

test(`drafts: at most ${MAX_DRAFTS}, none older than ${DRAFT_KEEP_DAYS} days; a full storage keeps them in memory`, () => {
  const storage = sharedStorage();
  const now = clock();
  const drafts = new Drafts({ storage, key: 'd', now });
  drafts.set(1, { body: '最早的' });
  for (let id = 2; id <= MAX_DRAFTS + 1; id += 1) {
    clock.at += 1000;
    drafts.set(id, { body: `草稿 ${id}` });
  }
  clock.at += 1000;
  drafts.set(2, { body: '又改了' }); // edited last: kept longest
  drafts.set(MAX_DRAFTS + 2, { body: '最新的' });
  const kept = Object.keys(JSON.parse(storage.getItem('d'))).map(Number);
  assert.equal(kept.length, MAX_DRAFTS);
  assert.ok(!kept.includes(1) && !kept.includes(3) && kept.includes(2) && kept.includes(MAX_DRAFTS + 2));
  clock.at += DRAFT_KEEP_DAYS * 86_400_000 - 500;
  assert.deepEqual(drafts.get(MAX_DRAFTS + 2), { body: '最新的', note: false });
  assert.deepEqual(drafts.get(4), { body: '', note: false }, 'not edited for too long');

  storage.full = true;
  drafts.set(7, { body: '断网时写的' });
  drafts.set(MAX_DRAFTS + 2, { body: '' });
  assert.deepEqual(drafts.get(7), { body: '断网时写的', note: false });
  assert.deepEqual(drafts.get(MAX_DRAFTS + 2), { body: '', note: false });
  storage.full = false;
  drafts.set(8, { body: '有空间了' });
  const again = new Drafts({ storage, key: 'd', now });
  assert.deepEqual(again.get(7), { body: '断网时写的', note: false });
  assert.deepEqual(again.get(MAX_DRAFTS + 2), { body: '', note: false });
});

test("an older console's sessionStorage entries are taken in once, with their client ids", () => {
  const storage = sharedStorage();
  const outbox = new Outbox({ storage, key: 'k' });
  outbox.add(text('message-01'));
  const legacy = [{ ...text('message-01'), state: 'sending', created_at: new Date().toISOString() },
    { ...text('message-00'), state: 'sending', created_at: new Date(Date.now() - 1000).toISOString() },
    { client_id: 'x', conversation_id: 4, kind: 'text', body: 'bad id', state: 'sending' }];
  outbox.take(legacy);
  outbox.take(legacy);
  assert.deepEqual(ids(outbox.pending()), ['message-00', 'message-01']);
  assert.deepEqual(ids(new Outbox({ storage, key: 'k' }).pending()), ['message-00', 'message-01'],
    'stored, and in the order written');
});

test('an entry lost to a simultaneous write of another tab is written again, not dropped', () => {
  const storage = sharedStorage();
  const a = new Outbox({ storage, key: 'k' });
  a.add(text('message-01'));
  const staleRead = storage.getItem('k'); // tab B read here…
  a.add(text('message-02'));
  storage.setItem('k', staleRead); // …and wrote its change over A's, without message-02
  const { changed } = a.refresh();
  assert.equal(changed, false);
  assert.deepEqual(ids(a.pending()), ['message-01', 'message-02']);
  assert.deepEqual(ids(stored(storage).entries), ['message-01', 'message-02']);
  // A sign-out elsewhere removes the item: that is no lost write.
  storage.removeItem('k');
  a.refresh();
  assert.deepEqual(a.entries.map((e) => e.error?.code), [DROPPED, DROPPED]);
  assert.equal(storage.getItem('k'), null);
});
