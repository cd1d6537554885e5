// Suggested answers: the visitor's last message, one request per pause, stale answers dropped, failures quiet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastVisitorMessage, SuggestionFeed } from '../../webui/js/kb/suggest.js';
import { suggestionIndexFor } from '../../webui/js/console/keys.js';

const item = (seq, type, body, kind = 'text') => ({ message: { seq, kind, body, sender: { type } } });

/** Timers run by hand. */
function manualTimers() {
  let next = 1;
  const pending = new Map();
  return {
    setTimeout: (fn, ms) => { pending.set(next, { fn, ms }); return next++; },
    clearTimeout: (id) => pending.delete(id),
    runAll() {
      const due = [...pending.values()];
      pending.clear();
      for (const { fn } of due) fn();
    },
    get size() { return pending.size; },
  };
}

/** A load() whose answers the test releases one by one, recording each request and its signal. */
function controlledLoad() {
  const calls = [];
  const load = (request, signal) => new Promise((resolve, reject) => calls.push({ request, signal, resolve, reject }));
  return { calls, load };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('the last text the visitor wrote: not notes, files or the agent’s replies', () => {
  assert.equal(lastVisitorMessage([]), null);
  const items = [item(1, 'visitor', '运费多少'), item(2, 'agent', '您好'), item(3, 'visitor', '', 'image'),
    item(4, 'visitor', '  '), item(5, 'agent', 'note', 'note')];
  assert.deepEqual(lastVisitorMessage(items), { seq: 1, text: '运费多少' });
  assert.deepEqual(lastVisitorMessage([...items, item(6, 'visitor', ' 几天到？ ')]), { seq: 6, text: '几天到？' });
  assert.equal(lastVisitorMessage([item(1, 'system', 'x')]), null);
  assert.equal([...lastVisitorMessage([item(1, 'visitor', '长'.repeat(3000))]).text].length, 2000);
});

test('a burst of messages makes one request after the pause; the answer shows the first three', async () => {
  const timers = manualTimers();
  const { calls, load } = controlledLoad();
  const states = [];
  const feed = new SuggestionFeed({ load, timers, onChange: (s) => states.push(s.status) });
  feed.want('7:1', { siteId: 1, text: 'a' });
  feed.want('7:2', { siteId: 1, text: 'b' });
  feed.want('7:2', { siteId: 1, text: 'b' }); // the same question again: nothing new
  assert.equal(timers.size, 1);
  timers.runAll();
  assert.deepEqual(calls.map((c) => c.request.text), ['b']);
  calls[0].resolve([1, 2, 3, 4]);
  await flush();
  assert.deepEqual(feed.state, { key: '7:2', status: 'ready', suggestions: [1, 2, 3] });
  assert.deepEqual(states, ['loading', 'loading', 'ready']);
});

test('a newer message aborts the request in flight and its late answer is dropped', async () => {
  const timers = manualTimers();
  const { calls, load } = controlledLoad();
  const feed = new SuggestionFeed({ load, timers });
  feed.want('7:1', { siteId: 1, text: 'old' });
  timers.runAll();
  feed.want('7:2', { siteId: 1, text: 'new' });
  assert.equal(calls[0].signal.aborted, true);
  calls[0].resolve(['stale']);
  await flush();
  assert.equal(feed.state.status, 'loading');
  timers.runAll();
  calls[1].resolve(['fresh']);
  await flush();
  assert.deepEqual(feed.state.suggestions, ['fresh']);
});

test('a failed request leaves the list empty (quietly), and the next message tries again', async () => {
  const timers = manualTimers();
  const { calls, load } = controlledLoad();
  const feed = new SuggestionFeed({ load, timers });
  feed.want('7:1', { siteId: 1, text: 'a' });
  timers.runAll();
  calls[0].reject(new Error('offline'));
  await flush();
  assert.deepEqual(feed.state, { key: '7:1', status: 'failed', suggestions: [] });
  feed.want('7:2', { siteId: 1, text: 'b' });
  timers.runAll();
  calls[1].resolve([]);
  await flush();
  assert.deepEqual(feed.state, { key: '7:2', status: 'ready', suggestions: [] });
});

test('switching to no question (closed chat, another chat) clears at once and cancels', () => {
  const timers = manualTimers();
  const { calls, load } = controlledLoad();
  const feed = new SuggestionFeed({ load, timers });
  feed.want('7:1', { siteId: 1, text: 'a' });
  feed.want(null);
  assert.equal(timers.size, 0);
  assert.deepEqual(feed.state, { key: null, status: 'idle', suggestions: [] });
  feed.want('8:1', { siteId: 2, text: 'c' });
  timers.runAll();
  feed.stop();
  assert.equal(calls[0].signal.aborted, true);
});

test('Alt+1..3 pick a suggestion (by key or, for macOS layouts, by code); nothing else does', () => {
  assert.equal(suggestionIndexFor({ key: '1', code: 'Digit1', altKey: true }), 0);
  assert.equal(suggestionIndexFor({ key: '¡', code: 'Digit1', altKey: true }), 0);
  assert.equal(suggestionIndexFor({ key: '3', code: 'Numpad3', altKey: true }), 2);
  assert.equal(suggestionIndexFor({ key: '4', code: 'Digit4', altKey: true }), null);
  assert.equal(suggestionIndexFor({ key: '1', code: 'Digit1' }), null);
  assert.equal(suggestionIndexFor({ key: '1', code: 'Digit1', altKey: true, ctrlKey: true }), null);
  assert.equal(suggestionIndexFor({ key: '!', code: 'Digit1', altKey: true, shiftKey: true }), null);
});
