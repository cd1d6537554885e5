// The delivery core: reconnect sync and resend, gap holding, reset, acks, alerts, read receipts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleEngine, TYPING_TTL_MS } from '../../webui/js/console/engine.js';
import { Outbox } from '../../webui/js/console/outbox.js';

const me = { id: 7, role: 'agent', display_name: '小李' };

function engine({ outbox = new Outbox(), clock = { now: 1000 } } = {}) {
  let n = 0;
  return new ConsoleEngine({ me, outbox, now: () => clock.now, makeId: () => `client-${String(++n).padStart(4, '0')}` });
}

const conv = (id, extra = {}) => ({ id, site_id: 1, status: 'open', assignee_id: 7, visitor: { id: 1, name: '' },
  last_seq: 0, agent_read_seq: 0, visitor_read_seq: 0, unread: 0, last_activity_at: '2026-01-01T00:00:00Z', ...extra });
const msg = (id, seq, extra = {}) => ({ type: 'message', conversation_id: id, seq, id: 100 + seq, kind: 'text',
  body: `m${seq}`, sender: { type: 'visitor', id: 1, name: '' }, created_at: '2026-01-01T00:01:00Z', ...extra });

test('after (re)connecting: sync open timelines, resend after synced, others at once', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1), conv(2), conv(3, { status: 'closed' })]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  e.loadMessages(3, { messages: [], last_seq: 0 });
  const first = e.compose(1, { body: 'to one' });
  e.compose(2, { body: 'to two' });
  const out = e.onConnected();
  assert.deepEqual(out.send, [
    { type: 'sync', conversation_id: 1, after_seq: 2 },
    { type: 'send', client_id: 'client-0002', conversation_id: 2, kind: 'text', body: 'to two' },
  ]);
  const synced = e.handle({ type: 'synced', conversation_id: 1, last_seq: 2 });
  assert.deepEqual(synced.send, [first.frame]);
  assert.deepEqual(e.handle({ type: 'synced', conversation_id: 1, last_seq: 2 }).send, [], 'resent once');
});

test('a late synced answer can be overtaken by flushPending', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  e.loadMessages(1, { messages: [], last_seq: 0 });
  const { frame } = e.compose(1, { body: 'x' });
  e.onConnected();
  assert.deepEqual(e.flushPending(1).send, [frame]);
  assert.deepEqual(e.flushPending(1).send, []);
});

test('a gap asks for a sync once and fills from the replay', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  e.loadMessages(1, { messages: [msg(1, 1)], last_seq: 1 });
  e.onConnected();
  e.handle({ type: 'synced', conversation_id: 1, last_seq: 1 });
  assert.deepEqual(e.handle(msg(1, 3)).send.filter((f) => f.type === 'sync'), [{ type: 'sync', conversation_id: 1, after_seq: 1 }]);
  assert.deepEqual(e.handle(msg(1, 4)).send.filter((f) => f.type === 'sync'), []);
  e.handle(msg(1, 2));
  assert.deepEqual(e.items(1).map((item) => item.message.seq), [1, 2, 3, 4]);
});

test('reset discards the timeline and syncs from 0', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  const out = e.handle({ type: 'reset', conversation_id: 1, reason: 'ahead' });
  assert.deepEqual(out.send, [{ type: 'sync', conversation_id: 1, after_seq: 0 }]);
  assert.deepEqual(e.items(1), []);
  e.handle(msg(1, 1));
  assert.equal(e.items(1).length, 1);
  assert.deepEqual(e.handle({ type: 'reset', conversation_id: 42 }).send, [], 'unknown conversations are left alone');
});

test('an erasure resets the timeline and reloads the conversation it shows', () => {
  const e = engine();
  e.store.loadPage('closed', [conv(1, { status: 'closed' }), conv(2, { status: 'closed' })]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  const out = e.handle({ type: 'reset', conversation_id: 1, reason: 'erased' });
  assert.deepEqual(out.send, [{ type: 'sync', conversation_id: 1, after_seq: 0 }]);
  assert.deepEqual(out.fetch, [1], 'its preview and visitor details are read again');
  assert.deepEqual(e.items(1), []);
  e.handle(msg(1, 1, { body: '[erased]' }));
  assert.deepEqual(e.items(1).map((item) => item.message.body), ['[erased]']);
  const listed = e.handle({ type: 'reset', conversation_id: 2, reason: 'erased' });
  assert.deepEqual([listed.send, listed.fetch], [[], [2]], 'only listed: reloaded, nothing to sync');
  const unknown = e.handle({ type: 'reset', conversation_id: 42, reason: 'erased' });
  assert.deepEqual([unknown.send, unknown.fetch], [[], []], 'a chat this console does not show');
  assert.deepEqual(e.handle({ type: 'reset', conversation_id: 2, reason: 'ahead' }).fetch, []);
});

test('my message: sending until ack, sent once stored, read when the visitor read it', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  e.loadMessages(1, { messages: [], last_seq: 0 });
  const { entry } = e.compose(1, { body: '您好' });
  assert.deepEqual(e.items(1).map((i) => [i.key, i.state]), [[`c${entry.client_id}`, 'sending']]);
  e.handle({ type: 'ack', client_id: entry.client_id, conversation_id: 1, seq: 1, message_id: 5 });
  assert.deepEqual(e.items(1).map((i) => [i.state, i.message.seq]), [['sent', 1]]);
  e.handle(msg(1, 1, { client_id: entry.client_id, sender: { type: 'agent', id: 7, name: '小李' } }));
  assert.deepEqual(e.items(1).map((i) => [i.key, i.state]), [['s1', 'sent']]);
  assert.deepEqual(e.outbox.entries, []);
  e.handle({ type: 'read', conversation_id: 1, reader: 'visitor', seq: 1 });
  assert.equal(e.items(1)[0].state, 'read');
});

test('the message frame alone (ack lost) settles the outbox; nack fails for good', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  e.loadMessages(1, { messages: [], last_seq: 0 });
  const a = e.compose(1, { body: 'a' }).entry;
  const b = e.compose(1, { body: 'b' }).entry;
  e.handle(msg(1, 1, { client_id: a.client_id, sender: { type: 'agent', id: 7 } }));
  e.handle({ type: 'nack', client_id: b.client_id, error: { code: 'closed', message: 'closed' } });
  assert.deepEqual(e.items(1).map((i) => i.state), ['sent', 'failed']);
  assert.deepEqual(e.outbox.pending(), []);
});

test('HTTP answers: an ack settles, a network error keeps the message for resending', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1)]);
  const a = e.compose(1, { body: 'a' }).entry;
  const b = e.compose(1, { body: 'b' }).entry;
  e.httpAnswer(a.client_id, { ack: { conversation_id: 1, seq: 3 } });
  e.httpAnswer(b.client_id, { error: { status: 0, code: 'network' } });
  assert.equal(e.outbox.get(a.client_id).state, 'acked');
  assert.equal(e.outbox.get(b.client_id).state, 'sending');
  e.httpAnswer(b.client_id, { error: { status: 409, code: 'conflict', message: 'closed' } });
  assert.equal(e.outbox.get(b.client_id).state, 'failed');
});

const line = (id, seq, body, agentId) => msg(id, seq, { kind: 'system', body,
  sender: { type: 'system', id: agentId, name: `#${agentId}` } });

test('alerts: a new chat routed to me is a new chat, not a transfer; then its messages', () => {
  const e = engine();
  const created = e.handle({ type: 'conversation', conversation: conv(5, { assignee_id: null }) });
  assert.deepEqual(created.alerts, [], 'routing has not had its chance yet');
  assert.deepEqual(created.settle, [5]);
  assert.deepEqual(e.handle(msg(5, 1)).alerts, [], "its first message waits for the chat's own alert");
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(5, { last_seq: 2 }) }).alerts, []);
  assert.deepEqual(e.handle(line(5, 2, 'agent_joined', 7)).alerts, [{ kind: 'routed', conversationId: 5 }]);
  assert.deepEqual(e.settle(5).alerts, [], 'said once');
  assert.equal(e.handle(msg(5, 3)).alerts[0].kind, 'message');
  assert.deepEqual(e.handle(msg(5, 3)).alerts, [], 'replays are not news');
  assert.deepEqual(e.handle(msg(5, 4, { kind: 'note', sender: { type: 'agent', id: 7 } })).alerts, [], 'my own note');
  assert.deepEqual(e.handle(msg(5, 5, { kind: 'note', sender: { type: 'agent', id: 9 } })).alerts.map((a) => a.kind),
    ['note'], "a colleague's note in my chat (a supervisor's whisper)");
  assert.deepEqual(e.handle(msg(77, 1)).fetch, [77]);
});

test('alerts: nothing for a chat routed to a colleague; a chat nobody took waits for anyone', () => {
  const e = engine();
  e.handle({ type: 'conversation', conversation: conv(6, { assignee_id: null }) });
  assert.deepEqual(e.handle(msg(6, 1)).alerts, []);
  e.handle({ type: 'conversation', conversation: conv(6, { assignee_id: 9, last_seq: 2 }) });
  assert.deepEqual(e.handle(line(6, 2, 'agent_joined', 9)).alerts, []);
  assert.deepEqual(e.settle(6).alerts, []);
  assert.deepEqual(e.handle(msg(6, 3)).alerts, [], "a colleague's chat is not mine to answer");
  e.handle({ type: 'conversation', conversation: conv(8, { assignee_id: null }) });
  assert.deepEqual(e.settle(8).alerts, [{ kind: 'chat', conversationId: 8 }]);
  assert.equal(e.handle(msg(8, 1)).alerts[0].kind, 'message', 'settled: its messages alert again');
});

test('alerts: a colleague\'s chat moved to me is a transfer; my own claim is no news', () => {
  const e = engine();
  e.store.applyConversation(conv(6, { assignee_id: 9 }));
  const moved = e.handle({ type: 'conversation', conversation: conv(6, { last_seq: 1 }) });
  assert.deepEqual(moved.alerts, []);
  assert.deepEqual(e.handle(line(6, 1, 'transferred', 7)).alerts, [{ kind: 'transferred', conversationId: 6 }]);
  e.store.applyConversation(conv(9, { assignee_id: 3 }));
  e.handle({ type: 'conversation', conversation: conv(9) });
  assert.deepEqual(e.settle(9).alerts, [{ kind: 'transferred', conversationId: 9 }], 'no line: judged by where it was');
  e.store.applyConversation(conv(11, { assignee_id: null }));
  e.expectOwnAction(11);
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(11, { last_seq: 1 }) }).alerts, []);
  assert.deepEqual(e.handle(line(11, 1, 'agent_joined', 7)).alerts, [], 'I claimed it myself');
});

test('alerts: a supervisor watching the queue hears of every new chat at once, and only once', () => {
  const lead = new ConsoleEngine({ me: { id: 1, role: 'supervisor', display_name: '主管' } });
  lead.handle({ type: 'conversation', conversation: conv(3, { assignee_id: null }) });
  assert.deepEqual(lead.settle(3).alerts, [{ kind: 'chat', conversationId: 3 }], 'not watching: like everyone');
  lead.rules.watchQueue = true;
  const created = lead.handle({ type: 'conversation', conversation: conv(4, { assignee_id: null }) });
  assert.deepEqual(created.alerts, [{ kind: 'watched', conversationId: 4 }]);
  lead.handle({ type: 'conversation', conversation: conv(4, { assignee_id: 9 }) });
  assert.deepEqual(lead.settle(4).alerts, []);
  lead.handle({ type: 'conversation', conversation: conv(5, { assignee_id: null }) });
  assert.deepEqual(lead.settle(5).alerts, [], 'already told');
  const agent = engine();
  agent.rules.watchQueue = true;
  assert.deepEqual(agent.handle({ type: 'conversation', conversation: conv(6, { assignee_id: null }) }).alerts, [],
    'only supervisors and up watch the queue');
});

test('reading the active conversation: read frames instead of alerts', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1, { last_seq: 2, unread: 2 })]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  e.activeId = 1;
  assert.equal(e.readFrameFor(1), null, 'not while the tab is in the background');
  e.attentive = true;
  assert.deepEqual(e.readFrameFor(1), { type: 'read', conversation_id: 1, seq: 2 });
  assert.equal(e.store.get(1).unread, 0);
  assert.equal(e.readFrameFor(1), null);
  const out = e.handle(msg(1, 3));
  assert.deepEqual(out.send, [{ type: 'read', conversation_id: 1, seq: 3 }]);
  assert.deepEqual(out.alerts, []);
  e.store.applyConversation(conv(2, { assignee_id: null, last_seq: 1, unread: 1 }));
  e.activeId = 2;
  assert.equal(e.readFrameFor(2), null, 'looking at a waiting chat does not mark it read');
});

test('visitor typing with draft, expiring and cleared by their message', () => {
  const clock = { now: 1000 };
  const e = engine({ clock });
  e.store.loadPage('mine', [conv(1)]);
  e.handle({ type: 'typing', conversation_id: 1, sender: { type: 'visitor' }, typing: true, draft: '我想问' });
  assert.deepEqual(e.visitorTyping(1), { draft: '我想问' });
  e.handle({ type: 'typing', conversation_id: 1, sender: { type: 'agent', id: 9 }, typing: false });
  assert.deepEqual(e.visitorTyping(1), { draft: '我想问' }, 'a colleague typing changes nothing');
  e.handle(msg(1, 1));
  assert.equal(e.visitorTyping(1), null);
  e.handle({ type: 'typing', conversation_id: 1, sender: { type: 'visitor' }, typing: true });
  assert.deepEqual(e.visitorTyping(1), { draft: '' });
  clock.now += TYPING_TTL_MS + 1;
  assert.equal(e.visitorTyping(1), null);
});

test('signs of a missed message (read or last_seq beyond ours) trigger one sync', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1, { last_seq: 2 })]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  assert.deepEqual(e.handle({ type: 'read', conversation_id: 1, reader: 'visitor', seq: 3 }).send, [], 'offline: later');
  e.onConnected();
  e.handle({ type: 'synced', conversation_id: 1, last_seq: 2 });
  const read = e.handle({ type: 'read', conversation_id: 1, reader: 'visitor', seq: 3 });
  assert.deepEqual(read.send, [{ type: 'sync', conversation_id: 1, after_seq: 2 }]);
  assert.deepEqual(read.fetch, [1], 'the list entry is stale too');
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(1, { last_seq: 3 }) }).send, [], 'already syncing');
  e.handle(msg(1, 3));
  e.handle({ type: 'synced', conversation_id: 1, last_seq: 3 });
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(1, { last_seq: 4 }) }).send,
    [{ type: 'sync', conversation_id: 1, after_seq: 3 }]);
  assert.deepEqual(e.handle({ type: 'read', conversation_id: 1, reader: 'visitor', seq: 2 }).send, []);
});

const botChat = (id, extra = {}, messages = []) => ({ type: 'bot_chat', messages,
  conversation: conv(id, { status: 'bot', assignee_id: null, bot_last: { question: '发货', reply: '24小时内' }, ...extra }) });

test('bot_chat frames: the "with the bot" list follows them with no alert; the open timeline gets the exchange', () => {
  const e = engine();
  const out = e.handle(botChat(20, { last_seq: 2 }));
  assert.deepEqual(out, { send: [], alerts: [], fetch: [], settle: [] });
  assert.deepEqual(e.store.list('bot').map((c) => c.id), [20]);
  assert.deepEqual(e.store.list('waiting'), []);
  e.loadMessages(20, { messages: [msg(20, 1), msg(20, 2, { sender: { type: 'bot', id: null, name: '小悦' } })], last_seq: 2 });
  e.connected = true;
  const next = e.handle(botChat(20, { last_seq: 4 }, [msg(20, 3), msg(20, 4, { sender: { type: 'bot', id: null, name: '小悦' } })]));
  assert.deepEqual(next.alerts, []);
  assert.deepEqual(e.items(20).map((item) => item.message.seq), [1, 2, 3, 4]);
  assert.equal(e.store.get(20).bot_last.question, '发货');
  // A frame that skipped an exchange asks for it.
  const gap = e.handle(botChat(20, { last_seq: 7 }, [msg(20, 7)]));
  assert.deepEqual(gap.send, [{ type: 'sync', conversation_id: 20, after_seq: 4 }]);
});

test('a chat handed over from the bot alerts like a new chat; the bot_chat frame after it changes nothing', () => {
  const e = engine();
  e.handle(botChat(21));
  const handed = e.handle({ type: 'conversation', conversation: conv(21, { assignee_id: null, last_seq: 3 }) });
  assert.deepEqual(handed.settle, [21], 'waits for routing like any new chat');
  const after = e.handle(botChat(21, { status: 'open', bot_last: null }));
  assert.deepEqual(after.alerts, []);
  assert.equal(e.store.get(21).last_seq, 3);
  assert.deepEqual(e.store.list('bot'), []);
  assert.deepEqual(e.settle(21).alerts, [{ kind: 'chat', conversationId: 21 }]);
  // Closed because its visitor left: it leaves the list even if its `conversation` frame was lost.
  e.handle(botChat(22));
  e.handle(botChat(22, { status: 'closed', bot_last: null }));
  assert.deepEqual(e.store.list('bot'), []);
  assert.deepEqual(e.store.list('closed').map((c) => c.id), [22]);
});

test('unknown frames are ignored', () => {
  const e = engine();
  for (const frame of [null, {}, { type: 'bogus' }, { type: 'hello' }]) {
    assert.deepEqual(e.handle(frame), { send: [], alerts: [], fetch: [], settle: [] });
  }
});

test('reopening a conversation myself raises no new-chat alert', () => {
  const e = engine();
  e.store.loadPage('closed', [conv(1, { status: 'closed' })]);
  e.expectOwnAction(1);
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(1, { assignee_id: null }) }).alerts, []);
  e.store.applyConversation(conv(2, { status: 'closed' }));
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(2, { assignee_id: null }) }).settle, [2]);
  assert.deepEqual(e.settle(2).alerts, [{ kind: 'chat', conversationId: 2 }], 'reopened by someone else: waiting again');
});

test('sending into a waiting conversation is my own claim', () => {
  const e = engine();
  e.store.loadPage('waiting', [conv(1, { assignee_id: null })]);
  e.compose(1, { body: 'hi' });
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(1) }).alerts, []);
});

test('an unanswered flag from the server alerts and clears with the agent\'s answer', () => {
  const core = engine();
  const out = core.handle({ type: 'unanswered', conversation_id: 7, agent_id: 2, new_agent_id: null });
  assert.deepEqual(out.alerts, [], "an agent is not alerted of a colleague's late chat");
  assert.deepEqual(core.handle({ type: 'unanswered', conversation_id: 8, agent_id: 7, new_agent_id: null }).alerts,
    [{ kind: 'unanswered', conversationId: 8 }], 'but of their own, when it stayed with them');
  assert.deepEqual(core.handle({ type: 'unanswered', conversation_id: 9, agent_id: 7, new_agent_id: 3 }).alerts, []);
  const lead = new ConsoleEngine({ me: { id: 1, role: 'supervisor', display_name: '主管' } });
  assert.deepEqual(lead.handle({ type: 'unanswered', conversation_id: 7, agent_id: 2, new_agent_id: 3 }).alerts,
    [{ kind: 'unanswered', conversationId: 7 }], 'supervisors hear of every one');
  assert.equal(core.isUnanswered(7), true);
  core.handle({ type: 'message', conversation_id: 7, seq: 3, kind: 'note', body: 'x',
    sender: { type: 'agent', id: 9, name: 'S' } });
  assert.equal(core.isUnanswered(7), true);
  core.handle({ type: 'message', conversation_id: 7, seq: 4, kind: 'text', body: '您好',
    sender: { type: 'agent', id: 2, name: 'A' } });
  assert.equal(core.isUnanswered(7), false);
});

test("alerts: a colleague's note only in my own chat, and not while I read it", () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1, { last_seq: 1 }), conv(2, { assignee_id: 9, last_seq: 1 }),
    conv(3, { assignee_id: null, last_seq: 1 })]);
  const note = (id, seq, sender) => msg(id, seq, { kind: 'note', body: '可以退款', sender });
  const lead = { type: 'agent', id: 3, name: '主管' };
  const [alert] = e.handle(note(1, 2, lead)).alerts;
  assert.equal(alert.kind, 'note');
  assert.equal(alert.message.sender.name, '主管');
  assert.equal(e.store.get(1).unread, 0, 'a note is not a visitor message: no unread count');
  assert.deepEqual(e.handle(note(1, 2, lead)).alerts, [], 'replays are not news');
  assert.deepEqual(e.handle(note(2, 2, lead)).alerts, [], "a note in a colleague's chat is theirs");
  assert.deepEqual(e.handle(note(3, 2, lead)).alerts, [], 'a waiting chat is nobody’s yet');
  e.activeId = 1;
  e.attentive = true;
  assert.deepEqual(e.handle(note(1, 3, lead)).alerts, [], 'I have it in front of me');
});

test('after a reconnect the replayed messages of the chat I read are marked read once synced', () => {
  const e = engine();
  e.store.loadPage('mine', [conv(1, { last_seq: 2, agent_read_seq: 2 })]);
  e.loadMessages(1, { messages: [msg(1, 1), msg(1, 2)], last_seq: 2 });
  e.activeId = 1;
  e.attentive = true;
  e.disconnected();
  e.onConnected();
  // The lists reloaded over HTTP count the messages first: the replay is then no news.
  e.store.loadPage('mine', [conv(1, { last_seq: 4, agent_read_seq: 2, unread: 2 })]);
  assert.deepEqual(e.handle(msg(1, 3)).send, []);
  assert.deepEqual(e.handle(msg(1, 4)).send, []);
  const out = e.handle({ type: 'synced', conversation_id: 1, last_seq: 4 });
  assert.deepEqual(out.send, [{ type: 'read', conversation_id: 1, seq: 4 }]);
  assert.equal(e.store.get(1).unread, 0);
  assert.deepEqual(e.handle({ type: 'synced', conversation_id: 1, last_seq: 4 }).send, [], 'once');
  e.store.applyConversation(conv(1, { last_seq: 5, agent_read_seq: 4, unread: 1 }));
  e.attentive = false;
  assert.deepEqual(e.handle({ type: 'synced', conversation_id: 1, last_seq: 5 }).send, [],
    'not when nobody reads it (the window lost the focus)');
});
