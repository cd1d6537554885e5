// Per-conversation ordering: the last seq received with no gap before it, and messages held until a gap fills.

export class Sequence {
  /** `last`: the highest seq already applied with nothing missing below it. */
  constructor(last = 0) {
    this.last = last;
    this.held = new Map();
    this.syncing = false;
  }

  /** A sync is going out: it asks for everything after `last`. */
  startSync() {
    this.syncing = true;
    return this.last;
  }

  /**
   * A `message` frame. Returns the messages now applicable, in order, and whether a gap needs a
   * sync (a live message overtook one we have not seen, or a visitor-invisible note left a hole).
   */
  receive(message) {
    const seq = message.seq;
    if (seq <= this.last || this.held.has(seq)) return { deliver: [], needSync: false };
    this.held.set(seq, message);
    const deliver = this.drain();
    return { deliver, needSync: this.held.size > 0 && !this.syncing };
  }

  /**
   * `synced`: the replay is complete and `lastSeq` is the highest seq this client may see, so
   * every missing seq up to it was a note and is skipped (protocol.md: never wait for notes).
   */
  synced(lastSeq) {
    const before = this.last;
    this.syncing = false;
    const deliver = [];
    for (const seq of [...this.held.keys()].sort((a, b) => a - b)) {
      if (seq > lastSeq) break;
      deliver.push(this.held.get(seq));
      this.held.delete(seq);
      this.last = seq;
    }
    this.last = Math.max(this.last, lastSeq);
    deliver.push(...this.drain());
    return { deliver, needSync: this.held.size > 0, progress: this.last > before };
  }

  /** `reset`: the server cannot serve our position; start over from 0. */
  reset() {
    this.last = 0;
    this.held.clear();
    this.syncing = false;
  }

  /** The link dropped: an unanswered sync will never be answered. */
  interrupted() {
    this.syncing = false;
  }

  drain() {
    const out = [];
    while (this.held.has(this.last + 1)) {
      this.last += 1;
      out.push(this.held.get(this.last));
      this.held.delete(this.last);
    }
    return out;
  }
}
