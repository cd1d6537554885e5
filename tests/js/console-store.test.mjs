// Conversation lists: tab membership by role, ordering, counts, live message/read updates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canWrite, ConversationStore, inView, newerOf, viewsFor } from '../../webui/js/console/store.js';

const agent = { id: 7, role: 'agent' };
const supervisor = { id: 8, role: 'supervisor' };

function conv(id, extra = {}) {
  return { id, site_id: 1, status: 'open', assignee_id: null, visitor: { id: id * 10, name: '' },
    last_seq: 0, agent_read_seq: 0, visitor_read_seq: 0, unread: 0, last_message: null,
    last_activity_at: `2026-01-01T00:00:${String(id).padStart(2, '0')}Z`, ...extra };
}

test('tabs by role: only supervisors and up see all open conversations', () => {
  assert.deepEqual(viewsFor('agent'), ['mine', 'waiting', 'bot', 'pending', 'missed', 'closed']);
  for (const role of ['supervisor', 'admin', 'owner']) {
    assert.deepEqual(viewsFor(role), ['mine', 'waiting', 'bot', 'open', 'pending', 'missed', 'closed']);
  }
});

test('membership mirrors the API views', () => {
  const mine = conv(1, { assignee_id: 7 });
  const waiting = conv(2);
  const others = conv(3, { assignee_id: 9 });
  const closed = conv(4, { status: 'closed', assignee_id: 7 });
  assert.ok(inView(mine, 'mine', agent) && !inView(mine, 'waiting', agent));
  assert.ok(inView(waiting, 'waiting', agent) && inView(waiting, 'open', agent));
  assert.ok(!inView(others, 'open', agent) && inView(others, 'open', supervisor));
  assert.ok(inView(closed, 'closed', agent) && !inView(closed, 'mine', agent) && !inView(closed, 'open', supervisor));
  assert.ok(!inView(mine, 'bogus', agent));
  const bot = conv(5, { status: 'bot' });
  for (const me of [agent, supervisor]) {
    assert.ok(inView(bot, 'bot', me), 'everyone serving the site sees the bot\'s chats');
    for (const view of ['mine', 'waiting', 'open', 'pending', 'missed', 'closed']) assert.ok(!inView(bot, view, me), view);
  }
  assert.ok(!inView(waiting, 'bot', agent) && !canWrite(bot, supervisor), 'read-only until taken over');
});

test('who may write: agents in their own and waiting chats, supervisors in any open one', () => {
  assert.ok(canWrite(conv(1, { assignee_id: 7 }), agent));
  assert.ok(canWrite(conv(2), agent));
  assert.ok(!canWrite(conv(3, { assignee_id: 9 }), agent));
  assert.ok(canWrite(conv(3, { assignee_id: 9 }), supervisor));
  assert.ok(!canWrite(conv(4, { status: 'closed', assignee_id: 7 }), agent));
  assert.ok(!canWrite(null, agent));
});

test('lists are newest activity first and filter by site', () => {
  const store = new ConversationStore(agent);
  store.loadPage('waiting', [conv(1), conv(3, { site_id: 2 }), conv(2)]);
  assert.deepEqual(store.list('waiting').map((c) => c.id), [3, 2, 1]);
  assert.deepEqual(store.list('waiting', { siteId: 1 }).map((c) => c.id), [2, 1]);
  assert.equal(store.cursor('waiting'), '2026-01-01T00:00:01Z');
  assert.deepEqual(store.counts().waiting, { count: 3, more: false });
});

test('a full page means there may be more; a complete reload reports stale ones', () => {
  const store = new ConversationStore(agent);
  store.loadPage('mine', [conv(1, { assignee_id: 7 }), conv(2, { assignee_id: 7 })], { limit: 2 });
  assert.equal(store.counts().mine.more, true);
  const stale = store.loadPage('mine', [conv(2, { assignee_id: 7 })], { replace: true });
  assert.deepEqual(stale, [1]);
  assert.equal(store.counts().mine.more, false);
});

test('a visitor message moves the conversation up and counts as unread unless being read', () => {
  const store = new ConversationStore(agent);
  store.loadPage('mine', [conv(1, { assignee_id: 7 }), conv(2, { assignee_id: 7 })]);
  const message = { conversation_id: 1, seq: 1, kind: 'text', body: 'hi', sender: { type: 'visitor' },
    created_at: '2026-01-01T00:01:00Z' };
  assert.deepEqual(store.applyMessage(message), { known: true, fresh: true });
  assert.deepEqual(store.list('mine').map((c) => c.id), [1, 2]);
  assert.equal(store.get(1).unread, 1);
  assert.equal(store.get(1).last_message.body, 'hi');
  assert.deepEqual(store.applyMessage(message), { known: true, fresh: false }, 'a replay is not news');
  assert.equal(store.get(1).unread, 1);
  store.applyMessage({ ...message, seq: 2 }, { reading: true });
  assert.equal(store.get(1).unread, 0);
  assert.equal(store.get(1).agent_read_seq, 2);
  store.applyMessage({ ...message, seq: 3, sender: { type: 'agent', id: 7 } });
  assert.equal(store.get(1).unread, 0, 'my own replies are not unread');
  assert.deepEqual(store.applyMessage({ ...message, conversation_id: 99 }), { known: false, fresh: true });
});

test('read frames move read positions; an agent read clears the badge', () => {
  const store = new ConversationStore(agent);
  store.loadPage('mine', [conv(1, { assignee_id: 7, last_seq: 5, unread: 3 })]);
  assert.ok(store.applyRead({ conversation_id: 1, reader: 'visitor', seq: 4 }));
  assert.equal(store.get(1).visitor_read_seq, 4);
  assert.ok(!store.applyRead({ conversation_id: 1, reader: 'visitor', seq: 3 }));
  assert.ok(store.applyRead({ conversation_id: 1, reader: 'agent', seq: 5 }));
  assert.equal(store.get(1).unread, 0);
  assert.ok(!store.applyRead({ conversation_id: 2, reader: 'agent', seq: 5 }));
  assert.ok(!store.markRead(1, 5));
});

test('a late conversation frame does not undo counted messages', () => {
  const store = new ConversationStore(agent);
  store.loadPage('waiting', [conv(1, { last_seq: 4, unread: 2, last_activity_at: '2026-01-01T00:05:00Z' })]);
  store.applyConversation(conv(1, { last_seq: 3, unread: 1, assignee_id: 7 }));
  assert.equal(store.get(1).assignee_id, 7);
  assert.equal(store.get(1).unread, 2);
  assert.equal(store.get(1).last_seq, 4);
  assert.equal(store.applyConversation({ id: 'x' }), null);
});

test('the title count adds unread of my and waiting conversations only', () => {
  const store = new ConversationStore(supervisor);
  store.loadPage('open', [conv(1, { assignee_id: 8, unread: 2 }), conv(2, { unread: 1 }),
    conv(3, { assignee_id: 9, unread: 5 }), conv(4, { status: 'closed', unread: 4 })]);
  assert.equal(store.attentionCount(), 3);
});

test('a snapshot read before my read never moves read state backwards', () => {
  const store = new ConversationStore(agent);
  store.loadPage('mine', [conv(1, { assignee_id: 7, last_seq: 4, agent_read_seq: 2, unread: 2 })]);
  assert.ok(store.markRead(1, 4));
  // GET /api/conversations/1, answered before the read was stored: same last_seq, older read.
  store.applyConversation(conv(1, { assignee_id: 7, last_seq: 4, agent_read_seq: 2, unread: 2, visitor_read_seq: 1 }));
  assert.equal(store.get(1).agent_read_seq, 4);
  assert.equal(store.get(1).unread, 0);
  assert.equal(store.get(1).visitor_read_seq, 1);
  assert.equal(store.attentionCount(), 0);
  store.applyRead({ conversation_id: 1, reader: 'visitor', seq: 3 });
  store.applyConversation(conv(1, { assignee_id: 7, last_seq: 4, agent_read_seq: 4, visitor_read_seq: 1 }));
  assert.equal(store.get(1).visitor_read_seq, 3, "the visitor's read does not go back either");
});

test('newerOf: reads are the highest known; unread stays within both bounds', () => {
  const previous = conv(1, { assignee_id: 7, last_seq: 5, agent_read_seq: 5, unread: 0 });
  // Newer messages (6 and 7), but a read from before mine: at most the two new ones are unread.
  const merged = newerOf(previous, conv(1, { assignee_id: 7, last_seq: 7, agent_read_seq: 3, unread: 3 }));
  assert.equal(merged.agent_read_seq, 5);
  assert.equal(merged.last_seq, 7);
  assert.equal(merged.unread, 2);
  assert.equal(newerOf(previous, conv(1, { last_seq: 7, agent_read_seq: 3, unread: 1 })).unread, 1);
  // A newer read in the snapshot wins as before.
  const later = newerOf(previous, conv(1, { last_seq: 8, agent_read_seq: 8, unread: 0 }));
  assert.deepEqual([later.agent_read_seq, later.unread], [8, 0]);
  // Older in both: our messages and read stay.
  const older = newerOf(previous, conv(1, { assignee_id: null, last_seq: 4, agent_read_seq: 1, unread: 3 }));
  assert.deepEqual([older.last_seq, older.agent_read_seq, older.unread, older.assignee_id], [5, 5, 0, null]);
});
