// One conversation's messages in seq order: contiguous tracking, holding early arrivals, reset.

/**
 * Messages of one conversation as the protocol's "Resume" rule wants them: `lastSeq` is the highest
 * seq received with no gap before it; a message beyond `lastSeq + 1` waits in `held` until the gap
 * is filled (a live message overtaking a sync replay). Duplicates are ignored.
 */
export class Timeline {
  constructor() {
    this.reset();
  }

  /** Forget everything (the server answered `reset`, or the console starts over). */
  reset() {
    this.lastSeq = 0;
    this.messages = [];
    this.held = new Map();
    this.seqs = new Set();
    this.clientIds = new Set();
    this.loaded = false;
  }

  get hasGap() {
    return this.held.size > 0;
  }

  /** Whether a message with this seq has been applied. */
  has(seq) {
    return this.seqs.has(seq);
  }

  /** Take one message; returns the messages newly applied, in order (possibly none). */
  receive(message) {
    const seq = message?.seq;
    if (!Number.isInteger(seq) || seq < 1) return [];
    if (seq <= this.lastSeq || this.held.has(seq)) return [];
    if (seq > this.lastSeq + 1) {
      this.held.set(seq, message);
      return [];
    }
    this.#apply(message);
    return [message, ...this.#drainHeld()];
  }

  /** Take a batch (an HTTP page or a sync replay); returns what was applied. */
  receiveAll(messages) {
    return messages.flatMap((message) => this.receive(message));
  }

  /**
   * The server finished a sync (or a complete HTTP load) whose last seq is `lastSeq`: every seq up
   * to it that we still lack does not exist for us (e.g. notes a visitor never sees), so we stop
   * waiting for it. Returns held messages applied by skipping.
   */
  synced(lastSeq) {
    this.loaded = true;
    if (!Number.isInteger(lastSeq) || lastSeq <= this.lastSeq) return [];
    const applied = [];
    for (const seq of [...this.held.keys()].sort((a, b) => a - b)) {
      if (seq > lastSeq) break;
      const message = this.held.get(seq);
      this.held.delete(seq);
      this.#apply(message);
      applied.push(message);
    }
    this.lastSeq = Math.max(this.lastSeq, lastSeq);
    return [...applied, ...this.#drainHeld()];
  }

  #apply(message) {
    this.messages.push(message);
    this.seqs.add(message.seq);
    this.lastSeq = message.seq;
    if (message.client_id) this.clientIds.add(message.client_id);
  }

  #drainHeld() {
    const applied = [];
    while (this.held.has(this.lastSeq + 1)) {
      const next = this.held.get(this.lastSeq + 1);
      this.held.delete(next.seq);
      this.#apply(next);
      applied.push(next);
    }
    return applied;
  }
}
