// Widget sequence tracking: in-order delivery, held messages, note gaps, reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sequence } from '../../embed/delivery.js';

const m = (seq) => ({ seq });
const seqs = (list) => list.map((x) => x.seq);

test('messages in order are delivered at once', () => {
  const s = new Sequence();
  assert.deepEqual(seqs(s.receive(m(1)).deliver), [1]);
  assert.deepEqual(seqs(s.receive(m(2)).deliver), [2]);
  assert.equal(s.last, 2);
});

test('duplicates and old messages are ignored', () => {
  const s = new Sequence(5);
  assert.deepEqual(s.receive(m(5)), { deliver: [], needSync: false });
  assert.deepEqual(s.receive(m(3)), { deliver: [], needSync: false });
  s.receive(m(7));
  assert.deepEqual(s.receive(m(7)), { deliver: [], needSync: false });
});

test('a message beyond the next one is held until the gap is filled, then all come in order', () => {
  const s = new Sequence(1);
  const first = s.receive(m(4));
  assert.deepEqual(first, { deliver: [], needSync: true });
  assert.deepEqual(seqs(s.receive(m(3)).deliver), []);
  assert.deepEqual(seqs(s.receive(m(2)).deliver), [2, 3, 4]);
  assert.equal(s.last, 4);
  assert.equal(s.held.size, 0);
});

test('no extra sync is asked for while one is running', () => {
  const s = new Sequence(1);
  assert.equal(s.startSync(), 1);
  assert.equal(s.receive(m(5)).needSync, false);
  s.interrupted();
  assert.equal(s.receive(m(6)).needSync, true);
});

test('synced skips note seqs the visitor never receives', () => {
  const s = new Sequence(2);
  s.startSync();
  s.receive(m(4)); // 3 is an internal note
  s.receive(m(6)); // 5 too
  const r = s.synced(6);
  assert.deepEqual(seqs(r.deliver), [4, 6]);
  assert.equal(r.needSync, false);
  assert.equal(r.progress, true);
  assert.equal(s.last, 6);
  assert.equal(s.syncing, false);
});

test('synced moves past trailing notes, then later messages continue from there', () => {
  const s = new Sequence(2);
  s.synced(5);
  assert.equal(s.last, 5);
  assert.deepEqual(seqs(s.receive(m(6)).deliver), [6]);
});

test('a live message beyond synced.last_seq stays held and asks for another sync', () => {
  const s = new Sequence(2);
  s.startSync();
  s.receive(m(9));
  const r = s.synced(7);
  assert.deepEqual(r.deliver, []);
  assert.equal(r.needSync, true);
  assert.equal(r.progress, true);
  assert.equal(s.last, 7);
  assert.deepEqual(seqs(s.receive(m(8)).deliver), [8, 9]);
});

test('a synced that moves nothing reports no progress', () => {
  const s = new Sequence(4);
  s.receive(m(9));
  assert.deepEqual(s.synced(4), { deliver: [], needSync: true, progress: false });
});

test('reset starts over from 0', () => {
  const s = new Sequence(8);
  s.receive(m(10));
  s.startSync();
  s.reset();
  assert.equal(s.last, 0);
  assert.equal(s.held.size, 0);
  assert.equal(s.syncing, false);
  assert.deepEqual(seqs(s.receive(m(1)).deliver), [1]);
});
