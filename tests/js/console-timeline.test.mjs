// Per-conversation seq tracking: contiguous order, holding gaps, duplicates, synced skips, reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timeline } from '../../webui/js/console/timeline.js';

const m = (seq, extra = {}) => ({ seq, conversation_id: 1, body: `m${seq}`, ...extra });
const seqs = (list) => list.map((message) => message.seq);

test('messages in order are applied one by one', () => {
  const timeline = new Timeline();
  assert.deepEqual(seqs(timeline.receive(m(1))), [1]);
  assert.deepEqual(seqs(timeline.receive(m(2))), [2]);
  assert.equal(timeline.lastSeq, 2);
  assert.ok(!timeline.hasGap);
});

test('a message beyond the next expected one waits until the gap is filled', () => {
  const timeline = new Timeline();
  timeline.receive(m(1));
  assert.deepEqual(timeline.receive(m(4)), []);
  assert.deepEqual(timeline.receive(m(3)), []);
  assert.ok(timeline.hasGap);
  assert.equal(timeline.lastSeq, 1);
  assert.deepEqual(seqs(timeline.receive(m(2))), [2, 3, 4]);
  assert.equal(timeline.lastSeq, 4);
  assert.ok(!timeline.hasGap);
  assert.deepEqual(seqs(timeline.messages), [1, 2, 3, 4]);
});

test('duplicates (a sync replay overlapping live frames) are ignored', () => {
  const timeline = new Timeline();
  timeline.receiveAll([m(1), m(2)]);
  assert.deepEqual(timeline.receive(m(2, { body: 'again' })), []);
  timeline.receive(m(5));
  assert.deepEqual(timeline.receive(m(5)), []);
  assert.deepEqual(seqs(timeline.receiveAll([m(3), m(4), m(5)])), [3, 4, 5]);
  assert.equal(timeline.messages[1].body, 'm2');
});

test('junk seqs are refused', () => {
  const timeline = new Timeline();
  for (const seq of [0, -1, 1.5, '1', null, undefined]) assert.deepEqual(timeline.receive({ seq }), []);
  assert.deepEqual(timeline.receive(null), []);
  assert.equal(timeline.lastSeq, 0);
});

test('synced stops waiting for seqs that do not exist for us', () => {
  const timeline = new Timeline();
  timeline.receiveAll([m(1), m(3), m(5), m(7)]);
  assert.deepEqual(seqs(timeline.synced(5)), [3, 5]);
  assert.equal(timeline.lastSeq, 5);
  assert.ok(timeline.hasGap, 'seq 7 still waits for 6');
  assert.deepEqual(seqs(timeline.receive(m(6))), [6, 7]);
  assert.ok(timeline.loaded);
});

test('synced with an older or missing last seq changes nothing', () => {
  const timeline = new Timeline();
  timeline.receiveAll([m(1), m(2)]);
  assert.deepEqual(timeline.synced(1), []);
  assert.deepEqual(timeline.synced(null), []);
  assert.equal(timeline.lastSeq, 2);
});

test('synced to a higher seq with nothing held moves the position', () => {
  const timeline = new Timeline();
  timeline.synced(4);
  assert.equal(timeline.lastSeq, 4);
  assert.deepEqual(seqs(timeline.receive(m(5))), [5]);
});

test('client ids and seqs are indexed; reset forgets everything', () => {
  const timeline = new Timeline();
  timeline.receive(m(1, { client_id: 'abcdefgh-1' }));
  assert.ok(timeline.clientIds.has('abcdefgh-1'));
  assert.ok(timeline.has(1));
  assert.ok(!timeline.has(2));
  timeline.receive(m(3));
  timeline.reset();
  assert.equal(timeline.lastSeq, 0);
  assert.equal(timeline.messages.length, 0);
  assert.ok(!timeline.hasGap);
  assert.ok(!timeline.clientIds.has('abcdefgh-1'));
  assert.ok(!timeline.loaded);
});
