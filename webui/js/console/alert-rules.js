// What deserves an alert, without I/O: a chat routed or transferred to me, a visitor left waiting, a message.
import { inView, mineToAnswer, seesAllOpen } from './store.js';

/** How long a new chat may take to be routed before it counts as waiting for anyone. */
export const SETTLE_MS = 2500;
/** System lines that give a chat to an agent (protocol.md, "System lines"). */
const ASSIGNING_LINES = new Set(['agent_joined', 'transferred']);

/**
 * Alert kinds: `routed` (a new chat routed straight to me), `transferred` (a colleague's chat moved
 * to me), `chat` (a visitor still waiting once routing had its chance), `watched` (any new chat, for
 * a supervisor watching the queue), `message`, `note` (a colleague's internal note in my chat),
 * `pending` (a left message), `unanswered`, and `catchUp` (what arrived while the socket was down:
 * catch-up.js).
 *
 * A new chat is routed a moment after it appears, so nobody is alerted at once: after `SETTLE_MS`
 * (`settled(id)`) it alerts everyone who may take it if it is still waiting, and only its agent if it
 * was routed. Whether a chat that became mine was routed or transferred is told by the system line
 * that came with it (its `sender.id` is me).
 */
export class AlertRules {
  constructor(me) {
    this.me = me;
    /** A supervisor (or up) who asked to hear of every new chat. */
    this.watchQueue = false;
    this.settling = new Set();
    this.newlyMine = new Map(); // id → the assignee before me (null: it was waiting)
    this.watched = new Set();
  }

  get watching() {
    return this.watchQueue && seesAllOpen(this.me.role);
  }

  /**
   * A `conversation` frame; `previous` is what the store held (null: unknown), `own` that I caused it.
   * Returns `{alerts, settle}`: alerts now, and conversation ids to pass to `settled` after SETTLE_MS.
   */
  conversation(previous, conversation, own) {
    const out = { alerts: [], settle: [] };
    const id = conversation.id;
    const now = (view) => inView(conversation, view, this.me);
    const before = (view) => previous !== null && inView(previous, view, this.me);
    if (own) {
      this.newlyMine.delete(id);
    } else if (now('pending') && !before('pending') && mineToAnswer(conversation, this.me)) {
      out.alerts.push({ kind: 'pending', conversationId: id });
    } else if (now('waiting') && !before('waiting')) {
      if (previous === null && this.watching) {
        this.watched.add(id);
        out.alerts.push({ kind: 'watched', conversationId: id });
      }
      this.settling.add(id);
      out.settle.push(id);
    } else if (now('mine') && !before('mine')) {
      this.newlyMine.set(id, previous ? previous.assignee_id ?? null : null);
      out.settle.push(id);
    }
    if (!now('mine')) this.newlyMine.delete(id);
    return out;
  }

  /** A message; `fresh` when it is news to the store, `reading` when I have it in front of me. */
  message(message, conversation, { fresh, reading }) {
    const id = message.conversation_id;
    if (message.kind === 'system') {
      if (!ASSIGNING_LINES.has(message.body) || message.sender?.id !== this.me.id || !this.newlyMine.has(id)) return [];
      this.newlyMine.delete(id);
      return [{ kind: message.body === 'transferred' ? 'transferred' : 'routed', conversationId: id }];
    }
    if (message.kind === 'note') return this.#note(message, conversation, { fresh, reading });
    if (message.sender?.type !== 'visitor' || !fresh || reading) return [];
    if (this.settling.has(id) || this.newlyMine.has(id)) return []; // the chat's own alert is coming
    if (conversation && !mineToAnswer(conversation, this.me)) return [];
    return [{ kind: 'message', conversationId: id, message }];
  }

  /** A colleague's internal note (a supervisor's whisper) in a chat that is mine: I should read it. */
  #note(message, conversation, { fresh, reading }) {
    if (!fresh || reading || message.sender?.type !== 'agent' || message.sender.id === this.me.id) return [];
    if (!conversation || conversation.assignee_id !== this.me.id) return [];
    if (!inView(conversation, 'mine', this.me) && conversation.status !== 'pending') return [];
    return [{ kind: 'note', conversationId: message.conversation_id, message }];
  }

  /** SETTLE_MS after a chat became waiting or mine: what to say now that routing had its chance. */
  settled(id, conversation) {
    const wasSettling = this.settling.delete(id);
    const watched = this.watched.delete(id);
    if (this.newlyMine.has(id)) {
      // No line named me (an older server, a lost frame): judge by where it came from.
      const from = this.newlyMine.get(id);
      this.newlyMine.delete(id);
      if (conversation && inView(conversation, 'mine', this.me)) {
        return [{ kind: from === null ? 'routed' : 'transferred', conversationId: id }];
      }
      return [];
    }
    if (wasSettling && !watched && conversation && inView(conversation, 'waiting', this.me)) {
      return [{ kind: 'chat', conversationId: id }];
    }
    return [];
  }

  /**
   * The server flagged a chat unanswered too long: supervisors hear of it, and so does its agent if
   * it stayed with them; whoever it moved to gets their own `transferred` alert.
   */
  unanswered(frame) {
    const stayed = frame.new_agent_id === null || frame.new_agent_id === undefined;
    const mine = frame.agent_id === this.me.id && stayed;
    return seesAllOpen(this.me.role) || mine ? [{ kind: 'unanswered', conversationId: frame.conversation_id }] : [];
  }
}
