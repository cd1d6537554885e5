// Presence and supervision without I/O: statuses, activity pacing, the team board, queue places,
// left messages (pending) and missed chats, monitoring, ratings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleEngine } from '../../webui/js/console/engine.js';
import { Outbox } from '../../webui/js/console/outbox.js';
import { queueEstimate, queueText, ratingStars, wholeMinutes } from '../../webui/js/console/present.js';
import {
  ActivityPacer, AGENT_STATUSES, boardSite, isAgentStatus, knownStatus, liveConversations, loadShare, loadText,
  sortAgents, statusCounts,
} from '../../webui/js/console/presence.js';
import { canWrite, ConversationStore, inView, writeMode } from '../../webui/js/console/store.js';
import { onSocketMessage } from '../../webui/js/socket-policy.js';

const agent = { id: 7, role: 'agent', display_name: '小李' };
const supervisor = { id: 8, role: 'supervisor', display_name: '王主管' };
const t = (key, params = {}) => `${key}${JSON.stringify(params)}`;

function conv(id, extra = {}) {
  return { id, site_id: 1, status: 'open', assignee_id: null, visitor: { id: id * 10, name: '' },
    last_seq: 0, agent_read_seq: 0, visitor_read_seq: 0, unread: 0, last_message: null, missed: false,
    rating: null, rating_comment: '', created_at: `2026-01-01T00:0${id}:00Z`,
    last_activity_at: `2026-01-01T00:0${id}:00Z`, ...extra };
}

function engine(me = agent, clock = { now: Date.parse('2026-01-01T00:10:00Z') }) {
  return new ConsoleEngine({ me, outbox: new Outbox(), now: () => clock.now, makeId: () => 'c1' });
}

test('agents choose online, busy or away; offline is only reported', () => {
  assert.deepEqual(AGENT_STATUSES, ['online', 'busy', 'away']);
  assert.ok(isAgentStatus('busy') && !isAgentStatus('offline') && !isAgentStatus('x'));
  assert.equal(knownStatus('offline'), 'offline');
  assert.equal(knownStatus('<b>'), null);
});

test('activity frames go at most once a minute, and again at once after a reconnect', () => {
  const clock = { now: 0 };
  const pacer = new ActivityPacer({ now: () => clock.now });
  assert.ok(pacer.due());
  pacer.sent();
  clock.now = 59999;
  assert.ok(!pacer.due());
  clock.now = 60000;
  assert.ok(pacer.due());
  pacer.sent();
  pacer.reset();
  assert.ok(pacer.due());
});

test('hello carries the status; status and queue frames reach the console', () => {
  assert.deepEqual(onSocketMessage('{"type":"hello","user":{"id":1},"status":"busy"}'),
    { action: 'hello', user: { id: 1 }, status: 'busy' });
  for (const frame of [{ type: 'status', status: 'away' }, { type: 'queue', conversation_id: 3, position: 2 }]) {
    assert.deepEqual(onSocketMessage(JSON.stringify(frame)), { action: 'frame', frame });
  }
});

test('pending and missed tabs mirror the API views', () => {
  const pending = conv(1, { status: 'pending' });
  const missedOpen = conv(2, { missed: true });
  const missedClosed = conv(3, { status: 'closed', missed: true });
  assert.ok(inView(pending, 'pending', agent) && !inView(pending, 'waiting', agent) && !inView(pending, 'open', supervisor));
  assert.ok(inView(missedOpen, 'missed', agent) && inView(missedOpen, 'waiting', agent));
  assert.ok(inView(missedClosed, 'missed', agent) && inView(missedClosed, 'closed', agent));
  const store = new ConversationStore(agent);
  store.loadPage('pending', [pending, conv(4, { status: 'pending', unread: 2 })]);
  store.loadPage('missed', [missedOpen, missedClosed]);
  assert.deepEqual(store.counts().pending, { count: 2, more: false });
  assert.deepEqual(store.counts().missed, { count: 2, more: false });
  assert.equal(store.attentionCount(), 2, 'unread left messages count in the title');
});

test('a pending conversation is answered like an open one; a supervisor monitors others\' chats', () => {
  assert.ok(canWrite(conv(1, { status: 'pending' }), agent));
  assert.equal(writeMode(conv(1, { status: 'pending' }), agent), 'write');
  assert.equal(writeMode(conv(1, { assignee_id: 9 }), agent), 'none');
  assert.equal(writeMode(conv(1, { assignee_id: 9 }), supervisor), 'monitor');
  assert.equal(writeMode(conv(1, { assignee_id: 8 }), supervisor), 'write');
  assert.equal(writeMode(conv(1), supervisor), 'write');
  assert.equal(writeMode(conv(1, { status: 'closed', assignee_id: 9 }), supervisor), 'none');
});

test('a new pending conversation alerts; my answer in it refreshes it', () => {
  const e = engine();
  const first = e.handle({ type: 'conversation', conversation: conv(1, { status: 'pending' }) });
  assert.deepEqual(first.alerts, [{ kind: 'pending', conversationId: 1 }]);
  assert.deepEqual(e.handle({ type: 'conversation', conversation: conv(1, { status: 'pending', last_seq: 1 }) }).alerts, []);
  const other = e.handle({ type: 'conversation', conversation: conv(2, { status: 'pending', assignee_id: 9 }) });
  assert.deepEqual(other.alerts, [], 'someone else follows that one up');
  const visitor = e.handle({ type: 'message', conversation_id: 1, seq: 2, kind: 'text', body: 'again',
    sender: { type: 'visitor', id: 10, name: '' } });
  assert.equal(visitor.alerts[0]?.kind, 'message', 'another left message is news');
  const mine = e.handle({ type: 'message', conversation_id: 1, seq: 3, kind: 'text', body: 'hi',
    sender: { type: 'agent', id: 7, name: '小李' } });
  assert.deepEqual(mine.fetch, [1]);
});

test('queue places come from queue frames, else from the site\'s waiting line', () => {
  const e = engine();
  e.store.loadPage('waiting', [conv(1), conv(2), conv(3, { site_id: 2 }), conv(4, { assignee_id: 7 })]);
  assert.deepEqual(e.queueOf(2), { position: 2, estimatedWaitSeconds: null, waitedMs: 8 * 60000 });
  assert.equal(e.queueOf(3).position, 1, 'each site has its own line');
  assert.equal(e.queueOf(4), null, 'not waiting');
  e.handle({ type: 'queue', conversation_id: 2, position: 1, estimated_wait_seconds: 300 });
  assert.deepEqual(e.queueOf(2), { position: 1, estimatedWaitSeconds: 300, waitedMs: 8 * 60000 });
  e.handle({ type: 'conversation', conversation: conv(2, { assignee_id: 7 }) });
  assert.equal(e.queueOf(2), null);
  assert.equal(e.queue.has(2), false, 'a served chat leaves the line');
});

test('queue text: place and whole minutes waited; the estimate as a hint', () => {
  assert.equal(wholeMinutes(179999), 2);
  assert.equal(wholeMinutes(null), null);
  assert.equal(queueText({ position: 2, waitedMs: 3 * 60000 + 5 }, t), 'console.queue.line{"position":2,"minutes":3}');
  assert.equal(queueText({ position: null, waitedMs: 30000 }, t), 'console.queue.waited{"minutes":0}');
  assert.equal(queueText(null, t), '');
  assert.equal(queueEstimate({ estimatedWaitSeconds: 61 }, t), 'console.queue.estimate{"minutes":2}');
  assert.equal(queueEstimate({ estimatedWaitSeconds: null }, t), '');
});

test('ratings show as five stars', () => {
  assert.equal(ratingStars(4), '★★★★☆');
  assert.equal(ratingStars(1), '★☆☆☆☆');
  for (const bad of [null, 0, 6, 2.5, '3x']) assert.equal(ratingStars(bad), '');
});

test('the board: agents by status then load, load text, counts, the site shown', () => {
  const agents = [
    { id: 1, display_name: 'B', status: 'away', active_chats: 0, max_chats: 5 },
    { id: 2, display_name: 'A', status: 'online', active_chats: 3, max_chats: 3 },
    { id: 3, display_name: 'C', status: 'online', active_chats: 1, max_chats: null },
    { id: 4, display_name: 'D', status: 'offline', active_chats: 0, max_chats: 5 },
  ];
  assert.deepEqual(sortAgents(agents).map((a) => a.id), [3, 2, 1, 4]);
  assert.equal(loadText(agents[1]), '3 / 3');
  assert.equal(loadText(agents[2]), '1');
  assert.equal(loadShare(agents[1]), 1);
  assert.equal(loadShare(agents[2]), 0);
  assert.deepEqual(statusCounts(agents), { online: 2, busy: 0, away: 1, offline: 1 });
  assert.equal(boardSite([{ id: 4 }, { id: 5 }], 5), 5);
  assert.equal(boardSite([{ id: 4 }, { id: 5 }], 9), 4);
  assert.equal(boardSite([], 9), null);
});

test('the board\'s live chats: a site\'s waiting ones (longest first), then served ones', () => {
  const store = new ConversationStore(supervisor);
  store.loadPage('open', [conv(1, { assignee_id: 9 }), conv(2), conv(3), conv(4, { site_id: 2 }),
    conv(5, { status: 'closed' }), conv(6, { assignee_id: 8, last_activity_at: '2026-01-02T00:00:00Z' })]);
  assert.deepEqual(liveConversations(store, 1, supervisor).map((c) => c.id), [2, 3, 6, 1]);
});
