// What arrived while the console's socket was down, found by comparing the lists it reloads with what it knew.
import { inView, mineToAnswer } from './store.js';

/**
 * Collects the news in the pages reloaded after a reconnect (`GET /api/conversations?view=…`), each
 * page compared with the store just before the store applies it. What live frames already brought
 * after the reconnect is in the store by then, so it is never counted twice; what I did myself
 * (a claim, my own messages) is in the store too, or never counted (`unread` counts visitors only).
 *
 * `note(store, conversations)` for each page, then `alert()`: one `catchUp` alert, or null.
 */
export class CatchUp {
  /** `reading(id)`: the agent has that chat in front of them (its messages are no news). */
  constructor(me, { reading = () => false } = {}) {
    this.me = me;
    this.reading = reading;
    this.news = new Map(); // id → {given: 'routed' | 'transferred' | null, messages, seq, at}
  }

  note(store, conversations) {
    for (const next of conversations) {
      if (!next || !Number.isInteger(next.id)) continue;
      const found = newsOf(store.get(next.id), next, this.me, this.reading(next.id));
      if (!found) continue;
      const had = this.news.get(next.id);
      this.news.set(next.id, had ? {
        given: had.given || found.given, messages: Math.max(had.messages, found.messages),
        seq: Math.max(had.seq, found.seq), at: Math.max(had.at, found.at),
      } : found);
    }
  }

  /**
   * `{kind: 'catchUp', conversationId, key, counts: {routed, transferred, messages}}`: the chat to
   * open is the latest active one given to me, else the latest with unread messages. `key` names the news
   * (each chat and how far it went), the same in every tab that saw the same.
   */
  alert() {
    if (!this.news.size) return null;
    const counts = { routed: 0, transferred: 0, messages: 0 };
    const ids = [...this.news.keys()].sort((a, b) => a - b);
    let first = null;
    for (const id of ids) {
      const news = this.news.get(id);
      if (news.given) counts[news.given] += 1;
      counts.messages += news.messages;
      const given = news.given ? 1 : 0;
      if (!first || given > first.given || (given === first.given && news.at >= first.at)) first = { id, given, at: news.at };
    }
    const key = `catchUp:${ids.map((id) => `${id}.${this.news.get(id).seq}`).join(',')}`;
    return { kind: 'catchUp', conversationId: first.id, key, counts };
  }
}

/**
 * What a reloaded conversation says that the store (`previous`, or null) did not: given to me
 * (`routed` from the queue or nowhere, `transferred` from a colleague) and visitor messages unread.
 */
export function newsOf(previous, next, me, reading = false) {
  const mineNow = inView(next, 'mine', me);
  const given = mineNow && !(previous && inView(previous, 'mine', me))
    ? (previous && previous.assignee_id !== null && previous.assignee_id !== undefined ? 'transferred' : 'routed')
    : null;
  const newer = (next.last_seq ?? 0) > (previous?.last_seq ?? 0);
  const unread = Math.max(0, (next.unread ?? 0) - (previous?.unread ?? 0));
  const messages = newer && !reading && mineToAnswer(next, me) ? unread : 0;
  if (!given && !messages) return null;
  const at = Date.parse(next.last_activity_at || '');
  return { given, messages, seq: next.last_seq ?? 0, at: Number.isNaN(at) ? 0 : at };
}
