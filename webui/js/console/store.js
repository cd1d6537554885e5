// Conversations the console knows: which list (tab) each belongs to, ordering, counts, live updates.

export const VIEWS = ['mine', 'waiting', 'bot', 'open', 'pending', 'missed', 'closed'];
const PAGE_SIZE = 50;

/** Supervisors and up see every open conversation of their sites; agents their own and waiting ones. */
export function seesAllOpen(role) {
  return role === 'supervisor' || role === 'admin' || role === 'owner';
}

/** Tabs offered to a role, in order. */
export function viewsFor(role) {
  return seesAllOpen(role) ? [...VIEWS] : VIEWS.filter((view) => view !== 'open');
}

/** Open, or pending (a left message, answered like an open chat): someone may still write in it. */
export function isLive(conversation) {
  return conversation?.status === 'open' || conversation?.status === 'pending';
}

/** Whether `me` may write in it: agents in their own and waiting ones, supervisors and up in any live one. */
export function canWrite(conversation, me) {
  if (!isLive(conversation)) return false;
  const assignee = conversation.assignee_id ?? null;
  return seesAllOpen(me.role) || assignee === null || assignee === me.id;
}

/**
 * How the composer works for `me`: `write` (reply and notes), `monitor` (a supervisor in another
 * agent's open chat: read-only, but they may whisper a note or take over) or `none`.
 */
export function writeMode(conversation, me) {
  if (!canWrite(conversation, me)) return 'none';
  const assignee = conversation.assignee_id ?? null;
  return assignee !== null && assignee !== me.id ? 'monitor' : 'write';
}

/** Whether `conversation` belongs in list `view` for user `me` (mirrors `GET /api/conversations`). */
export function inView(conversation, view, me) {
  const open = conversation.status === 'open';
  const assignee = conversation.assignee_id ?? null;
  switch (view) {
    case 'mine': return open && assignee === me.id;
    case 'waiting': return open && assignee === null;
    case 'open': return open && (seesAllOpen(me.role) || assignee === me.id || assignee === null);
    case 'bot': return conversation.status === 'bot'; // the answer bot serves it: read-only, to take over
    case 'pending': return conversation.status === 'pending';
    case 'missed': return conversation.missed === true;
    case 'closed': return conversation.status === 'closed';
    default: return false;
  }
}

/** My chats, waiting ones and left messages nobody else follows up: what alerts are about. */
export function mineToAnswer(conversation, me) {
  const assignee = conversation.assignee_id ?? null;
  return inView(conversation, 'mine', me) || inView(conversation, 'waiting', me)
    || (conversation.status === 'pending' && (assignee === null || assignee === me.id));
}

function time(iso) {
  const value = Date.parse(iso || '');
  return Number.isNaN(value) ? 0 : value;
}

/** Newest activity first; ties by id, newest first. */
export function byActivity(a, b) {
  return time(b.last_activity_at) - time(a.last_activity_at) || b.id - a.id;
}

/**
 * `next` (a frame or an HTTP snapshot of a conversation) over what the store held, where neither
 * messages nor reads go backwards: a snapshot may have been read before messages we already counted
 * (then their seq, preview and unread count stay), or before a read we already stored (an HTTP
 * answer racing my own `read`). A read position is the highest known; the unread count is then 0
 * if that read covers the last message, else the lower of the snapshot's and ours plus the
 * messages we had not seen (each is an upper bound of the truth).
 */
export function newerOf(previous, next) {
  const merged = { ...next };
  if ((previous.last_seq ?? 0) > (next.last_seq ?? 0)) {
    for (const key of ['last_seq', 'last_message', 'last_activity_at', 'unread']) merged[key] = previous[key];
  }
  for (const key of ['agent_read_seq', 'visitor_read_seq']) {
    if ((previous[key] ?? 0) > (next[key] ?? 0)) merged[key] = previous[key];
  }
  if ((previous.agent_read_seq ?? 0) > (next.agent_read_seq ?? 0)) {
    const lastSeq = merged.last_seq ?? 0;
    const unseen = Math.max(0, lastSeq - (previous.last_seq ?? 0));
    merged.unread = merged.agent_read_seq >= lastSeq ? 0
      : Math.min(merged.unread ?? 0, (previous.unread ?? 0) + unseen);
  }
  return merged;
}

/**
 * The console's table of conversations. It is fed with HTTP pages (`loadPage`) and socket frames
 * (`applyConversation`, `applyMessage`, `applyRead`), and answers lists and counts per tab.
 */
export class ConversationStore {
  constructor(me) {
    this.me = me;
    this.byId = new Map();
    this.pages = Object.fromEntries(VIEWS.map((view) => [view, { loaded: false, hasMore: false }]));
  }

  get(id) {
    return this.byId.get(id) || null;
  }

  /** Add or replace a conversation from the server; returns the previous version (or null). */
  applyConversation(conversation) {
    if (!conversation || !Number.isInteger(conversation.id)) return null;
    const previous = this.get(conversation.id);
    this.byId.set(conversation.id, previous ? newerOf(previous, conversation) : { ...conversation });
    return previous;
  }

  /**
   * Store one page of `GET /api/conversations?view=…`. With `replace`, conversations of this view
   * that the (complete) answer no longer lists are returned as stale, for the caller to refetch.
   */
  loadPage(view, conversations, { replace = false, limit = PAGE_SIZE } = {}) {
    const seen = new Set();
    for (const conversation of conversations) {
      this.applyConversation(conversation);
      seen.add(conversation.id);
    }
    const page = this.pages[view];
    page.loaded = true;
    page.hasMore = conversations.length >= limit;
    if (!replace || page.hasMore) return [];
    return [...this.byId.values()].filter((c) => inView(c, view, this.me) && !seen.has(c.id)).map((c) => c.id);
  }

  /** The `before` cursor for the next page of `view`. */
  cursor(view) {
    const list = this.list(view);
    return list.length ? list[list.length - 1].last_activity_at : null;
  }

  /** A stored message (frame) arrived. `reading` means the agent has this conversation in front of them. */
  applyMessage(message, { reading = false } = {}) {
    const conversation = this.get(message.conversation_id);
    if (!conversation) return { known: false, fresh: true };
    const lastSeq = conversation.last_seq ?? 0;
    const fresh = message.seq > lastSeq;
    if (!fresh) return { known: true, fresh: false };
    const next = { ...conversation, last_seq: message.seq, last_message: message };
    if (message.created_at && time(message.created_at) >= time(conversation.last_activity_at)) {
      next.last_activity_at = message.created_at;
    }
    if (message.sender?.type === 'visitor' && message.kind !== 'note') {
      next.unread = reading ? 0 : (conversation.unread ?? 0) + 1;
    }
    if (reading) next.agent_read_seq = message.seq;
    this.byId.set(next.id, next);
    return { known: true, fresh: true };
  }

  /** A `read` frame: the visitor or an agent has read up to `seq`. */
  applyRead({ conversation_id: id, reader, seq }) {
    const conversation = this.get(id);
    if (!conversation || !Number.isInteger(seq)) return false;
    const field = reader === 'visitor' ? 'visitor_read_seq' : 'agent_read_seq';
    if ((conversation[field] ?? 0) >= seq) return false;
    const next = { ...conversation, [field]: seq };
    if (reader !== 'visitor' && seq >= (conversation.last_seq ?? 0)) next.unread = 0;
    this.byId.set(id, next);
    return true;
  }

  /** I have read up to `seq`: clear the badge; returns whether anything changed. */
  markRead(id, seq) {
    const conversation = this.get(id);
    if (!conversation || seq <= (conversation.agent_read_seq ?? 0)) return false;
    this.byId.set(id, { ...conversation, agent_read_seq: seq, unread: 0 });
    return true;
  }

  /** Conversations of a tab, newest activity first, optionally of one site. */
  list(view, { siteId = null } = {}) {
    return [...this.byId.values()]
      .filter((c) => inView(c, view, this.me) && (siteId === null || c.site_id === siteId))
      .sort(byActivity);
  }

  /** 1-based place of a waiting conversation among its site's waiting ones, oldest first; null if not waiting. */
  queuePosition(id) {
    const conversation = this.get(id);
    if (!conversation || !inView(conversation, 'waiting', this.me)) return null;
    const line = this.list('waiting', { siteId: conversation.site_id })
      .sort((a, b) => time(a.created_at) - time(b.created_at) || a.id - b.id);
    return line.findIndex((c) => c.id === id) + 1;
  }

  /** `{view: {count, more}}` for the tabs; `more` when only a first page is loaded. */
  counts({ siteId = null } = {}) {
    return Object.fromEntries(VIEWS.map((view) => [view,
      { count: this.list(view, { siteId }).length, more: this.pages[view].hasMore }]));
  }

  /** Unread visitor messages that are mine to answer (my chats, waiting ones, left messages): the title count. */
  attentionCount() {
    let total = 0;
    for (const conversation of this.byId.values()) {
      if (mineToAnswer(conversation, this.me)) total += Math.max(0, conversation.unread ?? 0);
    }
    return total;
  }
}
