// The live list's link: watching over the socket, the first paint over HTTP, frames, invitations, toasts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLiveVisitors, labelRefusal } from '../../webui/js/app/console/live.js';

globalThis.requestAnimationFrame ??= (callback) => setTimeout(callback, 0);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const visitor = (id, over = {}) => ({ id, site_id: 1, state: 'browsing', name: '', page: { url: 'https://a.example/', title: 'A' },
  visit_started_at: '2026-12-06T06:00:00Z', invitation: null, ...over });

function setup({ answer = { visitors: [visitor(1)], counts: { 1: 1 } } } = {}) {
  const sent = [];
  const toasts = [];
  const calls = [];
  const api = {
    get: async (path) => { calls.push(['GET', path]); return answer; },
    post: async (path, body) => {
      calls.push(['POST', path, body]);
      return { invitation: { id: 7, visitor_id: 1, agent_id: 3, status: path.endsWith('withdraw') ? 'withdrawn' : 'shown' } };
    },
  };
  const live = createLiveVisitors({ api, me: { id: 3 }, t: (key, params) => `${key}:${JSON.stringify(params)}`,
    send: (frame) => { sent.push(frame); return true; }, notify: (text, kind) => toasts.push([text, kind]) });
  return { live, sent, toasts, calls };
}

test('the first view watches (once), paints from HTTP, and the last one to leave unwatches', async () => {
  const { live, sent, calls } = setup();
  const first = live.watch();
  const second = live.watch();
  assert.deepEqual(sent, [{ type: 'visitors_watch', watch: true }]);
  assert.deepEqual(calls, [['GET', '/api/visitors/live']]);
  await tick();
  assert.equal(live.list.size, 1);
  first();
  first();
  assert.equal(sent.length, 1, 'one view still shows the list');
  live.hello();
  assert.deepEqual(sent.at(-1), { type: 'visitors_watch', watch: true }, 'a new socket is told again');
  second();
  assert.deepEqual(sent.at(-1), { type: 'visitors_watch', watch: false });
  live.hello();
  assert.deepEqual(sent.at(-1), { type: 'visitors_watch', watch: false }, 'nobody watching: nothing said');
});

test('frames: the socket snapshot wins over a slower first paint; deltas apply; redraws are batched', async () => {
  const { live } = setup({ answer: { visitors: [], counts: {} } });
  let redraws = 0;
  live.subscribe(() => { redraws += 1; });
  live.watch();
  assert.ok(live.handle({ type: 'visitors', visitors: [visitor(1), visitor(2)], counts: { 1: 2 } }));
  for (let n = 0; n < 5; n += 1) live.handle({ type: 'visitors_delta', upsert: [visitor(3, { page_count: n })], gone: [1], counts: { 1: 2 } });
  await tick();
  assert.deepEqual([...live.list.byId.keys()].sort(), [2, 3]);
  assert.equal(redraws, 1, 'one redraw for six frames');
  assert.equal(live.handle({ type: 'message' }), false);
});

test('frames while nobody watches are taken but not applied', () => {
  const { live } = setup();
  assert.ok(live.handle({ type: 'visitors', visitors: [visitor(9)], counts: {} }));
  assert.equal(live.list.size, 0);
});

test('an invitation frame updates the list, and tells the inviting agent how it was answered, once', async () => {
  const { live, toasts } = setup();
  live.watch();
  live.handle({ type: 'visitors', visitors: [visitor(1, { name: '张三' })], counts: {} });
  live.handle({ type: 'invitation', invitation: { id: 5, visitor_id: 1, agent_id: 3, status: 'shown' } });
  assert.equal(live.list.get(1).state, 'invited');
  assert.equal(toasts.length, 0);
  live.handle({ type: 'invitation', invitation: { id: 5, visitor_id: 1, agent_id: 3, status: 'accepted' } });
  live.handle({ type: 'invitation', invitation: { id: 5, visitor_id: 1, agent_id: 3, status: 'accepted' } });
  assert.deepEqual(toasts, [['visitors.toast.accepted:{"name":"张三"}', 'success']]);
  live.handle({ type: 'invitation', invitation: { id: 6, visitor_id: 1, agent_id: 4, status: 'declined' } });
  assert.equal(toasts.length, 1, 'a colleague\'s invitation is theirs to hear about');
});

test('invite and withdraw post to the API; refusals without a field are labelled for their wording', async () => {
  const { live, calls } = setup();
  await live.invite(1, '您好');
  await live.withdraw(7);
  assert.deepEqual(calls.slice(-2), [['POST', '/api/visitors/1/invite', { message: '您好' }],
    ['POST', '/api/invitations/7/withdraw', {}]]);
  assert.equal(labelRefusal({ code: 'conflict', field: null }, 'invite').field, 'invite');
  assert.equal(labelRefusal({ code: 'invalid', field: 'message' }, 'invite').field, 'message');
  assert.equal(labelRefusal({ code: 'network', field: null }, 'invite').field, null);
});
