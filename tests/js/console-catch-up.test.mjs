// After a reconnect: one alert for what the reloaded lists hold that the store did not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatchUp, newsOf } from '../../webui/js/console/catch-up.js';
import { ConversationStore } from '../../webui/js/console/store.js';

const me = { id: 7, role: 'agent' };
const conv = (id, extra = {}) => ({ id, site_id: 1, status: 'open', assignee_id: 7, visitor: { id, name: '' },
  last_seq: 1, agent_read_seq: 1, visitor_read_seq: 0, unread: 0, last_activity_at: '2026-01-01T00:00:00Z', ...extra });

function storeWith(conversations) {
  const store = new ConversationStore(me);
  store.loadPage('mine', conversations);
  return store;
}

test('chats given to me, transfers to me and unread messages, summed in one alert', () => {
  const store = storeWith([conv(1), conv(2, { assignee_id: 9 }), conv(3, { assignee_id: null })]);
  const news = new CatchUp(me);
  news.note(store, [conv(1, { last_seq: 4, unread: 3, last_activity_at: '2026-01-01T00:09:00Z' }),
    conv(2, { last_seq: 2 }), conv(4, { last_seq: 1, unread: 1, last_activity_at: '2026-01-01T00:05:00Z' })]);
  news.note(store, [conv(3, { last_seq: 2 }), conv(1, { last_seq: 4, unread: 3 })]); // another view lists 1 too
  const alert = news.alert();
  assert.equal(alert.kind, 'catchUp');
  assert.deepEqual(alert.counts, { routed: 2, transferred: 1, messages: 4 });
  assert.equal(alert.conversationId, 4, 'the latest active chat given to me is the one to open');
  assert.equal(alert.key, 'catchUp:1.4,2.2,3.2,4.1', 'the same in every tab that saw the same');
});

test('nothing new, my own messages, a colleague\'s chat, the chat I read: no alert', () => {
  const store = storeWith([conv(1, { last_seq: 3, unread: 1 }), conv(2, { assignee_id: 9 }), conv(5)]);
  const news = new CatchUp(me, { reading: (id) => id === 5 });
  news.note(store, [
    conv(1, { last_seq: 3, unread: 1 }), // as before
    conv(1, { last_seq: 6, unread: 1 }), // my own replies: unread counts visitors only
    conv(2, { assignee_id: 9, last_seq: 5, unread: 4 }), // not mine to answer
    conv(5, { last_seq: 3, unread: 2 }), // in front of me
    conv(6, { status: 'closed', last_seq: 2, unread: 1 }),
  ]);
  assert.equal(news.alert(), null);
});

test('what live frames already brought after the reconnect is in the store: not said twice', () => {
  const store = storeWith([conv(1)]);
  store.applyMessage({ conversation_id: 1, seq: 2, kind: 'text', sender: { type: 'visitor' } });
  assert.equal(newsOf(store.get(1), conv(1, { last_seq: 2, unread: 1 }), me), null);
  assert.deepEqual(newsOf(store.get(1), conv(1, { last_seq: 3, unread: 2 }), me),
    { given: null, messages: 1, seq: 3, at: Date.parse('2026-01-01T00:00:00Z') });
  store.applyConversation(conv(8, { assignee_id: 7 }));
  assert.equal(newsOf(store.get(8), conv(8), me), null, 'mine already (my own claim, or its live frame)');
});
