// Widget delivery state machine: the "Rules every client follows" of docs/protocol.md, without I/O.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Delivery, RESYNC_DELAY_MS } from '../../embed/delivery.js';
import { readOutbox } from '../../embed/store.js';

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(key) { return this.map.has(key) ? this.map.get(key) : null; }
  setItem(key, value) { this.map.set(key, String(value)); }
  removeItem(key) { this.map.delete(key); }
}

const SITE = 'site1';
const OUTBOX = `kefu:${SITE}:outbox`;
const make = (storage = new MemoryStorage()) => new Delivery({ storage, siteKey: SITE, now: () => 1000 });
const sends = (cmds) => cmds.filter((c) => c.type === 'send').map((c) => c.frame);
const shown = (cmds) => cmds.filter((c) => c.type === 'show').map((c) => c.message.seq);
const of = (cmds, type) => cmds.filter((c) => c.type === type);
const msg = (seq, extra = {}) => ({
  type: 'message', conversation_id: 42, seq, id: 900 + seq, client_id: null, kind: 'text', body: `m${seq}`,
  sender: { type: 'agent', id: 2, name: '小李' }, attachment: null, created_at: '2026-01-01T00:00:00Z', ...extra,
});
const answer = (conversation, token = 'tok') => ({ visitor_token: token, visitor: { id: 1 }, site: {}, conversation });
const hello = (conversation) => ({ type: 'hello', visitor: { id: 1 }, conversation });
const conv = (extra = {}) => ({ id: 42, status: 'open', last_seq: 0, ...extra });

/** A delivery with a session and an open socket on conversation 42, synced up to `last`. */
function connected(last = 0, storage = new MemoryStorage()) {
  const d = make(storage);
  d.session(answer(conv({ last_seq: last })), { name: 'S' });
  d.opened(hello(conv({ last_seq: last })));
  for (let seq = 1; seq <= last; seq += 1) d.frame(msg(seq));
  d.frame({ type: 'synced', conversation_id: 42, last_seq: last });
  return d;
}

test('rule 1: a message is in the outbox before any attempt and shown as sending', () => {
  const storage = new MemoryStorage();
  const d = make(storage);
  const cmds = d.write({ kind: 'text', body: '你好' }, 'client-0001');
  assert.deepEqual(of(cmds, 'pending').map((c) => c.entry.client_id), ['client-0001']);
  assert.deepEqual(sends(cmds), [], 'nothing goes out while the link is down');
  assert.deepEqual(readOutbox(storage, OUTBOX).map((e) => e.body), ['你好']);
});

test('rule 2: after (re)connecting and syncing, every unacknowledged message is resent in order', () => {
  const storage = new MemoryStorage();
  const d = make(storage);
  d.session(answer(conv({ last_seq: 0 })), {});
  d.write({ body: 'one' }, 'client-0001');
  d.write({ body: 'two' }, 'client-0002');
  const open = d.opened(hello(conv()));
  assert.deepEqual(sends(open), [
    { type: 'sync', conversation_id: 42, after_seq: 0 },
  ], 'the outbox waits for the sync to finish');
  const synced = d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 });
  assert.deepEqual(sends(synced).map((f) => [f.type, f.client_id, f.body]), [
    ['send', 'client-0001', 'one'], ['send', 'client-0002', 'two'],
  ]);
  assert.ok(sends(synced).every((f) => !('conversation_id' in f)));
  assert.deepEqual(sends(d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 })), [], 'once per connection');
  d.closed();
  d.opened(hello(conv()));
  const again = d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 });
  assert.deepEqual(sends(again).map((f) => f.client_id), ['client-0001', 'client-0002'], 'resent after a reconnect');
});

test('rule 2: the same client ids go out again after a drop, not new ones', () => {
  const d = connected(0);
  const first = sends(d.write({ body: 'x' }, 'client-0009'));
  assert.deepEqual(first.map((f) => f.client_id), ['client-0009']);
  d.closed();
  d.opened(hello(conv()));
  const second = sends(d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 }));
  assert.deepEqual(second.map((f) => f.client_id), ['client-0009']);
});

test('a new message while connected goes out at once', () => {
  const d = connected(3);
  assert.deepEqual(sends(d.write({ body: 'now' }, 'client-0003')).map((f) => f.client_id), ['client-0003']);
});

test('without a conversation there is nothing to sync: the outbox goes at once', () => {
  const d = make();
  d.session(answer(null), {});
  d.write({ body: 'first ever' }, 'client-0001');
  const cmds = d.opened(hello(null));
  assert.deepEqual(sends(cmds).map((f) => f.type), ['send']);
});

test('long-poll: the outbox goes at once (the first poll is the sync)', () => {
  const d = make();
  d.session(answer(conv()), {});
  d.write({ body: 'x' }, 'client-0001');
  const cmds = d.opened(null, { poll: true });
  assert.deepEqual(sends(cmds).map((f) => f.type), ['sync', 'send']);
});

test('a sync that never answers does not hold the outbox for ever', () => {
  const d = make();
  d.session(answer(conv()), {});
  d.write({ body: 'x' }, 'client-0001');
  d.opened(hello(conv()));
  assert.deepEqual(sends(d.syncOverdue()).map((f) => f.client_id), ['client-0001']);
  assert.deepEqual(d.syncOverdue(), []);
});

test('ack: "sent" only now, and the message leaves the outbox', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  d.write({ body: 'x' }, 'client-0001');
  const cmds = d.frame({ type: 'ack', client_id: 'client-0001', conversation_id: 42, seq: 3, message_id: 1 });
  assert.deepEqual(of(cmds, 'ack'), [{ type: 'ack', client_id: 'client-0001', seq: 3, conversation_id: 42 }]);
  assert.deepEqual(readOutbox(storage, OUTBOX), []);
});

test('our own message echoed by the server also settles the outbox (another tab got the ack)', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  d.write({ body: 'x' }, 'client-0001');
  const cmds = d.frame(msg(3, { client_id: 'client-0001', sender: { type: 'visitor', id: 1 } }));
  assert.deepEqual(shown(cmds), [3]);
  assert.deepEqual(readOutbox(storage, OUTBOX), []);
});

test('nack: refused for good, marked failed, never resent', () => {
  const storage = new MemoryStorage();
  const d = connected(0, storage);
  d.write({ body: 'x' }, 'client-0001');
  const cmds = d.frame({ type: 'nack', client_id: 'client-0001', error: { code: 'invalid', message: 'too long' } });
  assert.deepEqual(cmds, [{ type: 'failed', client_id: 'client-0001', code: 'invalid' }]);
  d.closed();
  d.opened(hello(conv()));
  assert.deepEqual(sends(d.frame({ type: 'synced', conversation_id: 42, last_seq: 0 })), []);
});

test('rule 3: sync asks from the last contiguous seq, kept across a reload', () => {
  const storage = new MemoryStorage();
  const d = connected(5, storage);
  d.frame(msg(6));
  const reloaded = make(storage);
  reloaded.session(answer(conv({ last_seq: 6 })), {});
  assert.deepEqual(sends(reloaded.opened(hello(conv({ last_seq: 6 })))), [{ type: 'sync', conversation_id: 42, after_seq: 6 }]);
  assert.deepEqual(reloaded.cursors(), { 42: 6 });
});

test('rule 3: a live message overtaking the replay is held until the gap fills, then all in order', () => {
  const d = make();
  d.session(answer(conv({ last_seq: 4 })), {});
  d.opened(hello(conv({ last_seq: 4 })));
  assert.deepEqual(shown(d.frame(msg(4))), [], 'held: 1-3 are still on their way');
  assert.deepEqual(shown(d.frame(msg(1))), [1]);
  assert.deepEqual(shown(d.frame(msg(2))), [2]);
  assert.deepEqual(shown(d.frame(msg(3))), [3, 4]);
  assert.deepEqual(shown(d.frame(msg(4))), [], 'duplicates are dropped');
});

test('rule 3: a gap in live traffic (an agent note) asks for a sync, and synced skips it', () => {
  const d = connected(3);
  const cmds = d.frame(msg(5));
  assert.deepEqual(shown(cmds), []);
  assert.deepEqual(sends(cmds), [{ type: 'sync', conversation_id: 42, after_seq: 3 }]);
  assert.deepEqual(sends(d.frame(msg(6))), [], 'one sync at a time');
  assert.deepEqual(shown(d.frame({ type: 'synced', conversation_id: 42, last_seq: 6 })), [5, 6]);
  assert.deepEqual(d.cursors(), { 42: 6 });
});

test('a re-sync that made no progress is delayed, not repeated in a tight loop', () => {
  const d = connected(3);
  d.frame(msg(7));
  const cmds = d.frame({ type: 'synced', conversation_id: 42, last_seq: 3 });
  assert.deepEqual(cmds.filter((c) => c.type === 'send'), [
    { type: 'send', frame: { type: 'sync', conversation_id: 42, after_seq: 3 }, delay: RESYNC_DELAY_MS },
  ]);
});

test('reset: drop what we hold for the conversation and sync from 0', () => {
  const storage = new MemoryStorage();
  const d = connected(3, storage);
  const cmds = d.frame({ type: 'reset', conversation_id: 42, reason: 'x' });
  assert.deepEqual(cmds.map((c) => c.type), ['clear', 'unread', 'send']);
  assert.deepEqual(sends(cmds), [{ type: 'sync', conversation_id: 42, after_seq: 0 }]);
  assert.deepEqual(shown(d.frame(msg(1))), [1]);
  assert.equal(make(storage).seq.last, 1, 'the reset is stored, not merged away');
});

test('a server behind our stored position (restored backup) makes us start over', () => {
  const storage = new MemoryStorage();
  connected(5, storage);
  const d = make(storage);
  const cmds = d.session(answer(conv({ last_seq: 2 })), {});
  assert.ok(cmds.some((c) => c.type === 'clear'));
  assert.equal(d.seq.last, 0);
});

test('frames about other conversations or malformed ones change nothing', () => {
  const d = connected(2);
  for (const f of [null, 7, {}, { type: 'synced', conversation_id: 9, last_seq: 50 }, { type: 'reset', conversation_id: 9 },
    { type: 'read', conversation_id: 9, reader: 'agent', seq: 5 }, { type: 'message', seq: 'x' }, { type: 'ack' },
    { type: 'typing', conversation_id: 42, sender: { type: 'visitor' }, typing: true }, { type: 'whatever' }]) {
    assert.deepEqual(d.frame(f), [], JSON.stringify(f));
  }
  assert.equal(d.seq.last, 2);
});

test('restore draws the stored conversation and the unsent messages after a reload', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  d.closed();
  d.write({ body: 'unsent' }, 'client-0007');
  const reloaded = make(storage);
  const cmds = reloaded.restore();
  assert.deepEqual(cmds[0], { type: 'status', status: 'open' });
  assert.deepEqual(shown(cmds), [1, 2]);
  assert.ok(cmds.every((c) => c.type !== 'show' || c.live === false));
  assert.deepEqual(of(cmds, 'pending').map((c) => c.entry.body), ['unsent']);
});

test('restore settles outbox entries that another tab already saw stored', () => {
  const storage = new MemoryStorage();
  const d = connected(1, storage);
  d.closed();
  d.write({ body: 'x' }, 'client-0002');
  const other = make(storage);
  other.opened(hello(conv({ last_seq: 2 })));
  other.frame(msg(2, { client_id: 'client-0002', sender: { type: 'visitor' } }));
  assert.deepEqual(readOutbox(storage, OUTBOX), []);
  assert.deepEqual(of(make(storage).restore(), 'pending'), []);
});

test('live: messages after the first sync are live (chime, events); replayed history is not', () => {
  const d = make();
  d.session(answer(conv({ last_seq: 1 })), {});
  d.opened(hello(conv({ last_seq: 1 })));
  assert.equal(of(d.frame(msg(1)), 'show')[0].live, false);
  d.frame({ type: 'synced', conversation_id: 42, last_seq: 1 });
  assert.equal(of(d.frame(msg(2)), 'show')[0].live, true);
});

test('read receipts: the agent reading marks our messages read; ours is sent when the visitor looks', () => {
  const d = connected(2);
  assert.deepEqual(d.frame({ type: 'read', conversation_id: 42, reader: 'agent', seq: 2 }), [{ type: 'read', seq: 2 }]);
  assert.deepEqual(d.frame({ type: 'read', conversation_id: 42, reader: 'agent', seq: 1 }), [], 'never backwards');
  assert.equal(d.unread(), 2);
  const cmds = d.markRead();
  assert.deepEqual(cmds, [
    { type: 'unread', count: 0 }, { type: 'send', frame: { type: 'read', conversation_id: 42, seq: 2 } },
  ]);
  assert.deepEqual(d.markRead(), [{ type: 'unread', count: 0 }], 'nothing new: no frame');
});

test('unread counts agent messages only, and another tab reading clears it here', () => {
  const storage = new MemoryStorage();
  const a = connected(0, storage);
  const b = make(storage);
  b.opened(hello(conv()));
  b.frame({ type: 'synced', conversation_id: 42, last_seq: 0 });
  for (const d of [a, b]) {
    d.frame(msg(1));
    d.frame(msg(2, { sender: { type: 'visitor' } }));
    d.frame(msg(3, { sender: { type: 'system' }, kind: 'system' }));
    d.frame(msg(4));
  }
  assert.equal(a.unread(), 2);
  a.markRead();
  assert.deepEqual(b.storageChanged(`kefu:${SITE}:history`), [{ type: 'unread', count: 0 }]);
  assert.equal(JSON.parse(storage.getItem(`kefu:${SITE}:state`)).unread, 0);
});

test('a closed conversation shows as closed; writing afterwards adopts the new conversation', () => {
  const d = connected(2);
  assert.deepEqual(d.frame({ type: 'conversation', conversation: { id: 42, status: 'closed' } }), [{ type: 'status', status: 'closed' }]);
  const sent = sends(d.write({ body: 'again' }, 'client-0005'));
  assert.ok(!('conversation_id' in sent[0]));
  const cmds = d.frame({ type: 'ack', client_id: 'client-0005', conversation_id: 43, seq: 1 });
  // The closed chat's lines stay above the new one's (below seq 0).
  assert.deepEqual(cmds.map((c) => c.type), ['clear', 'status', 'bot', 'show', 'show', 'unread', 'send', 'send', 'ack']);
  assert.deepEqual(shown(cmds), [1 - 1e9, 2 - 1e9]);
  assert.deepEqual(cmds[2], { type: 'bot', on: false });
  assert.deepEqual(sends(cmds), [{ type: 'sync', conversation_id: 43, after_seq: 0 },
    { type: 'sync', conversation_id: 42, after_seq: 2 }]);
  assert.deepEqual(d.cursors(), { 42: 2, 43: 0 }, 'a long-poll catches up the chat before too');
  d.frame({ type: 'synced', conversation_id: 42, last_seq: 2 });
  assert.deepEqual(d.cursors(), { 43: 0 }, 'until it is caught up');
});

test('a message of a newer conversation (opened in another tab) is adopted; an older one is not', () => {
  const d = connected(2);
  assert.deepEqual(d.frame(msg(1, { conversation_id: 41 })), []);
  const cmds = d.frame(msg(2, { conversation_id: 50 }));
  assert.equal(d.conversation.id, 50);
  assert.deepEqual(sends(cmds), [{ type: 'sync', conversation_id: 50, after_seq: 0 },
    { type: 'sync', conversation_id: 42, after_seq: 2 }]);
  assert.deepEqual(shown(d.frame(msg(1, { conversation_id: 50 }))), [1, 2]);
});

test('the session or hello naming no open conversation means ours was closed meanwhile', () => {
  const d = connected(2);
  assert.deepEqual(d.opened(hello(null)).filter((c) => c.type === 'status'), [{ type: 'status', status: 'closed' }]);
});

test('a new visitor token (the old one was unknown) forgets the old conversation but keeps the outbox', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  d.closed();
  d.write({ body: 'keep me' }, 'client-0008');
  const cmds = d.session(answer(null, 'new-token'), {});
  assert.deepEqual(cmds.map((c) => c.type).slice(0, 2), ['clear', 'status']);
  assert.equal(d.conversation, null);
  assert.equal(d.token, 'new-token');
  assert.deepEqual(readOutbox(storage, OUTBOX).map((e) => e.body), ['keep me']);
  assert.equal(storage.getItem(`kefu:${SITE}:history`), null);
});

test('the loader can tell from storage that there is an open conversation or unsent messages', () => {
  const storage = new MemoryStorage();
  connected(1, storage);
  const state = JSON.parse(storage.getItem(`kefu:${SITE}:state`));
  assert.deepEqual(state.conversation, { id: 42, status: 'open', bot: false });
  assert.equal(state.token, 'tok');
});

test('agent typing is passed on; the visitor\'s own is not', () => {
  const d = connected(0);
  assert.deepEqual(d.frame({ type: 'typing', conversation_id: 42, sender: { type: 'agent', name: '小李' }, typing: true }),
    [{ type: 'typing', typing: true, name: '小李' }]);
});

test('a sync refused for our conversation (not ours any more) forgets it', () => {
  const d = connected(1);
  const cmds = d.frame({ type: 'error', request: 'sync', conversation_id: 42, error: { code: 'not_found' } });
  assert.equal(cmds[0].type, 'clear');
  assert.equal(d.conversation, null);
});

test('two tabs on one storage converge on the same history', () => {
  const storage = new MemoryStorage();
  const a = connected(0, storage);
  const b = make(storage);
  b.opened(hello(conv()));
  b.frame({ type: 'synced', conversation_id: 42, last_seq: 0 });
  a.frame(msg(1));
  b.frame(msg(1));
  b.frame(msg(2));
  a.frame(msg(2));
  a.frame(msg(3));
  const history = JSON.parse(storage.getItem(`kefu:${SITE}:history`));
  assert.equal(history.last, 3);
  assert.deepEqual(history.messages.map((m) => m.seq), [1, 2, 3]);
});

test('queue: the session\'s place and live queue frames of our conversation; others are ignored', () => {
  const d = make();
  const queued = { position: 2, estimated_wait_seconds: 600 };
  assert.deepEqual(of(d.session({ ...answer(conv()), queue: queued }, {}), 'queue'), [{ type: 'queue', queue: queued }]);
  assert.deepEqual(of(d.session(answer(null), {}), 'queue'), [{ type: 'queue', queue: null }], 'not waiting');
  const c = connected(0);
  const frame = { type: 'queue', conversation_id: 42, position: 1, estimated_wait_seconds: 300 };
  assert.deepEqual(c.frame(frame), [{ type: 'queue', queue: frame }]);
  assert.deepEqual(c.frame({ ...frame, conversation_id: 9 }), []);
});

test('queue: hidden once an agent takes the chat (assigned, or a live agent_joined line)', () => {
  const d = connected(0);
  assert.deepEqual(of(d.frame({ type: 'conversation', conversation: { id: 42, status: 'open', assigned: false } }), 'queue'), []);
  assert.deepEqual(of(d.frame({ type: 'conversation', conversation: { id: 42, status: 'open', assigned: true } }), 'queue'),
    [{ type: 'queue', queue: null }]);
  assert.deepEqual(of(d.frame(msg(1, { kind: 'system', body: 'agent_joined', sender: { type: 'system', name: '小李' } })), 'queue'),
    [{ type: 'queue', queue: null }]);
  const replay = make();
  replay.session(answer(conv({ last_seq: 1 })), {});
  replay.opened(hello(conv({ last_seq: 1 })));
  const old = replay.frame(msg(1, { kind: 'system', body: 'agent_joined', sender: { type: 'system' } }));
  assert.deepEqual(of(old, 'queue'), [], 'an old line replayed by the sync says nothing about now');
});

test('closed and reopened system lines change the status too (a long-poll has no hello)', () => {
  const d = connected(0);
  const closed = d.frame(msg(1, { kind: 'system', body: 'closed', sender: { type: 'system', name: '小李' } }));
  assert.deepEqual(of(closed, 'status'), [{ type: 'status', status: 'closed' }]);
  assert.equal(d.conversation.status, 'closed');
  const reopened = d.frame(msg(2, { kind: 'system', body: 'reopened', sender: { type: 'system' } }));
  assert.deepEqual(of(reopened, 'status'), [{ type: 'status', status: 'open' }]);
  assert.deepEqual(of(d.frame(msg(3, { kind: 'text', body: 'closed', sender: { type: 'visitor' } })), 'status'), [],
    'a visitor typing "closed" is not a system line');
});

test('a pending conversation (a left message) shows as open; its answer adopts it', () => {
  const d = make();
  d.session(answer(null), {});
  const cmds = d.conversationIs({ id: 77, status: 'pending', last_seq: 1, assigned: false });
  assert.equal(d.conversation.id, 77);
  assert.deepEqual(of(cmds, 'status'), [{ type: 'status', status: 'open' }]);
  assert.deepEqual(of(d.conversationIs({ id: 77, status: 'closed' }), 'status'), [{ type: 'status', status: 'closed' }]);
});

test('a conversation the bot serves says so, and stops saying so when handed over', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  assert.deepEqual(d.frame({ type: 'conversation', conversation: { id: 42, status: 'bot' } }), [{ type: 'bot', on: true }]);
  assert.equal(JSON.parse(storage.getItem(`kefu:${SITE}:state`)).conversation.bot, true);
  assert.deepEqual(d.frame({ type: 'conversation', conversation: { id: 42, status: 'bot' } }), []);
  // A reload draws the bot's views again before any network.
  const again = new Delivery({ storage, siteKey: SITE });
  assert.ok(again.restore().some((c) => c.type === 'bot' && c.on === true));
  assert.deepEqual(d.frame({ type: 'conversation', conversation: { id: 42, status: 'open', assigned: false } }), [{ type: 'bot', on: false }]);
  // A chat the bot opened in another tab is adopted, with the bot on.
  const cmds = d.frame({ type: 'conversation', conversation: { id: 50, status: 'bot' } });
  assert.equal(d.conversation.id, 50);
  assert.deepEqual(cmds.filter((c) => c.type === 'bot'), [{ type: 'bot', on: true }]);
});

test('a chat that closed while the visitor wrote offline stays above the new one, its answer too', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  d.closed();
  d.write({ body: 'C1' }, 'client-0001'); // offline: the agent answers and closes meanwhile
  const back = d.opened(hello(null)); // the server names no open chat now
  assert.deepEqual(sends(back), [{ type: 'sync', conversation_id: 42, after_seq: 2 }]);
  const replay = [
    ...d.frame(msg(3, { body: 'R0 please call 400-123' })),
    ...d.frame(msg(4, { kind: 'system', body: 'closed', sender: { type: 'system', id: 2, name: '小李' } })),
    ...d.frame({ type: 'synced', conversation_id: 42, last_seq: 4 }),
  ];
  assert.deepEqual(shown(replay), [3, 4]);
  assert.deepEqual(sends(replay).map((f) => f.client_id), ['client-0001']);
  // C1 went to a new chat: the widget follows it, and keeps the old one's lines above it.
  const acked = d.frame({ type: 'ack', client_id: 'client-0001', seq: 1, conversation_id: 43 });
  assert.equal(of(acked, 'clear').length, 1);
  const kept = of(acked, 'show').map((c) => c.message);
  assert.deepEqual(kept.map((m) => m.body), ['m1', 'm2', 'R0 please call 400-123', 'closed']);
  assert.ok(kept.every((m) => m.seq < 0), 'below every seq of the new chat');
  const next = d.frame(msg(1, { conversation_id: 43, client_id: 'client-0001', sender: { type: 'visitor', id: 1, name: '' } }));
  assert.deepEqual(shown(next), [1]);
  assert.equal(d.unread(), 0, 'the old answers are not counted as unread in the new chat');
  // A reload shows both; a third chat keeps only the second one's lines.
  const again = make(storage);
  assert.deepEqual(again.restore().filter((c) => c.type === 'show').map((c) => c.message.body),
    ['m1', 'm2', 'R0 please call 400-123', 'closed', 'm1']);
  const third = again.frame({ type: 'ack', client_id: 'client-0009', seq: 1, conversation_id: 44 });
  assert.deepEqual(of(third, 'show').map((c) => c.message.body), ['m1']);
});

test('an answer of the chat before that comes after the new chat began is caught up above it', () => {
  const storage = new MemoryStorage();
  const d = connected(2, storage);
  // The visitor's message was taken before the replay of the old chat came back.
  const acked = d.frame({ type: 'ack', client_id: 'client-0001', seq: 1, conversation_id: 43 });
  assert.deepEqual(sends(acked), [
    { type: 'sync', conversation_id: 43, after_seq: 0 },
    { type: 'sync', conversation_id: 42, after_seq: 2 },
  ], 'the chat before is asked for what it still holds');
  const late = d.frame(msg(3, { body: 'R0 please call 400-123' }));
  assert.deepEqual(of(late, 'show').map((c) => [c.message.body, c.message.seq]), [['R0 please call 400-123', 3 - 1e9]]);
  assert.deepEqual(d.frame(msg(3, { body: 'R0 please call 400-123' })), [], 'once');
  assert.equal(d.conversation.id, 43, 'the new chat stays the current one');
  const reloaded = make(storage);
  assert.deepEqual(reloaded.restore().filter((c) => c.type === 'show').map((c) => c.message.body),
    ['m1', 'm2', 'R0 please call 400-123']);
});
