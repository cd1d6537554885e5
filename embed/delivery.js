// The delivery rules of docs/protocol.md as a state machine without I/O: frames and actions in, commands out.
import { normalizeMessage } from './format.js';
import {
  addToOutbox, mergeHistory, newEntry, readJSON, readOutbox, removeFromOutbox, sendFrame, storageKeys, writeJSON,
} from './store.js';

/** A re-sync that made no progress waits this long (no tight loop). */
export const RESYNC_DELAY_MS = 1000;

/**
 * Every method returns commands, to be carried out in order:
 *   {type: 'send', frame, delay?}     give a frame to the transport (after `delay` ms)
 *   {type: 'show', message, live}     a stored message, in seq order; `live`: arrived while open
 *   {type: 'pending', entry}          a message written here or in another tab, not yet stored
 *   {type: 'ack', client_id, seq}     the server stored it
 *   {type: 'failed', client_id, code} the server refused it for good
 *   {type: 'throttled', ms}           the server asked us to slow down: `resend()` after ms
 *   {type: 'clear'}                   forget the shown messages (other conversation, or reset)
 *   {type: 'read', seq}               the agent has read the visitor's messages up to seq
 *   {type: 'typing', typing, name}    the agent's typing indicator
 *   {type: 'status', status}          the conversation is 'open' (or pending), 'closed' or 'none'
 *   {type: 'queue', queue}            its place in the queue, or null
 *   {type: 'bot', on}                 the answer bot serves the conversation (or not)
 *   {type: 'unread', count}           agent messages the visitor has not read yet
 */
export class Delivery {
  constructor({ storage, siteKey, now = Date.now }) {
    this.storage = storage;
    this.keys = storageKeys(siteKey);
    this.now = now;
    const state = readJSON(storage, this.keys.state) || {};
    this.token = typeof state.token === 'string' ? state.token : null;
    this.site = state.site || null;
    this.prechat = state.prechat && typeof state.prechat === 'object' ? state.prechat : null;
    const conversation = state.conversation;
    this.conversation = conversation && Number.isInteger(conversation.id) ? conversation : null;
    this.connected = false;
    this.awaitingSync = false;
    this.live = false;
    this.sentHere = new Set();
    this.load();
  }

  /** Draw what is stored, before any network. */
  restore() {
    const cmds = [this.statusCommand(), this.botCommand(), ...this.messages.map((message) => ({ type: 'show', message, live: false }))];
    const stored = new Set(this.messages.map((m) => m.client_id));
    for (const entry of readOutbox(this.storage, this.keys.outbox)) {
      if (stored.has(entry.client_id)) this.settle(entry.client_id);
      else cmds.push({ type: 'pending', entry });
    }
    if (this.agentRead) cmds.push({ type: 'read', seq: this.agentRead });
    cmds.push(this.unreadCommand());
    return cmds;
  }

  /** The answer of POST /api/widget/session; `site` is already checked. */
  session(answer, site) {
    const cmds = [];
    if (this.token && answer.visitor_token !== this.token) cmds.push(...this.forget());
    this.token = answer.visitor_token;
    this.email = answer.visitor?.email; // where a transcript may go
    this.site = site;
    cmds.push(...this.conversationIs(answer.conversation || null), { type: 'queue', queue: answer.queue || null });
    this.saveState();
    return cmds;
  }

  /** `hello` of a socket, or null for long-poll (whose first poll is the sync). */
  opened(hello, { poll = false } = {}) {
    this.connected = true;
    this.sentHere.clear();
    this.seq.interrupted();
    const cmds = hello ? this.conversationIs(hello.conversation || null) : [];
    cmds.push(...this.syncCommands());
    this.awaitingSync = !poll && this.seq.syncing;
    if (!this.conversation) this.live = true;
    cmds.push(...this.flush(), ...this.readCommands());
    return cmds;
  }

  /** The link is down: a pending sync will never be answered. */
  closed() {
    this.connected = false;
    this.awaitingSync = false;
    this.seq.interrupted();
    return [];
  }

  /** No `synced` in time: resend anyway (the server drops duplicates by client id). */
  syncOverdue() {
    if (!this.awaitingSync) return [];
    this.awaitingSync = false;
    return this.flush();
  }

  frame(f) {
    if (!f || typeof f !== 'object') return [];
    const current = this.conversation && f.conversation_id === this.conversation.id;
    switch (f.type) {
      case 'message': return this.message(f);
      case 'synced':
        if (f.conversation_id === this.before?.id) this.before = null; // the chat before is caught up
        return current ? this.synced(f.last_seq) : [];
      case 'ack': return this.ack(f);
      case 'nack': return this.nack(f);
      case 'reset': return current ? this.resetLocal() : [];
      case 'read': return current ? this.readFrame(f) : [];
      case 'typing': return current && f.sender?.type !== 'visitor'
        ? [{ type: 'typing', typing: f.typing === true, name: String(f.sender?.name || '') }] : [];
      case 'conversation': return this.conversationChanged(f.conversation);
      case 'queue': return current ? [{ type: 'queue', queue: f }] : [];
      case 'error': return current && f.request === 'sync' ? this.forget() : [];
      default: return [];
    }
  }

  /** Into the outbox first, then out if the link is up. */
  write(input, clientId) {
    const entry = newEntry(input, { clientId, now: this.now() });
    addToOutbox(this.storage, this.keys.outbox, entry);
    return [{ type: 'pending', entry }, ...this.flush()];
  }

  /** After a throttled pause: what is still unsent goes again. */
  resend() {
    return this.flush();
  }

  markRead() {
    const last = this.messages.length ? this.messages[this.messages.length - 1].seq : 0;
    if (last > this.visitorRead) {
      this.visitorRead = last;
      this.saveHistory();
    }
    return [this.unreadCommand(), ...this.readCommands()];
  }

  /** Kept so that every session request carries the answers. */
  answerPrechat(answers) {
    this.prechat = answers;
    this.saveState();
  }

  /** Another tab wrote `key`. */
  storageChanged(key) {
    if (key === this.keys.outbox) {
      return readOutbox(this.storage, this.keys.outbox).map((entry) => ({ type: 'pending', entry }));
    }
    if (key !== this.keys.history) return [];
    const stored = readJSON(this.storage, key);
    if (!stored || !this.conversation || stored.conversation_id !== this.conversation.id) return [];
    const cmds = this.agentReadUpTo(stored.agent_read || 0);
    if ((stored.visitor_read || 0) > this.visitorRead) {
      this.visitorRead = stored.visitor_read;
      cmds.push(this.unreadCommand());
    }
    return cmds;
  }

  /** For the long-poll: {conversation id: last contiguous seq}. */
  cursors() {
    const b = this.before;
    return this.conversation ? { ...b && { [b.id]: b.last }, [this.conversation.id]: this.seq.last } : {};
  }

  unread() {
    return this.messages.filter((m) => m.sender === 'agent' && m.seq > this.visitorRead).length;
  }

  // -- frames

  message(f) {
    const message = normalizeMessage(f);
    if (!message) return [];
    const cmds = [];
    const before = this.before;
    if (before && message.conversation_id === before.id) {
      // The chat before, still being caught up (its answer may come after the new chat began).
      if (message.seq <= before.last || !this.conversation) return [];
      before.last = message.seq;
      const shown = { ...message, seq: message.seq - 1e9 };
      this.messages.push(shown);
      this.messages.sort((a, b) => a.seq - b.seq);
      this.saveHistory();
      return [{ type: 'show', message: shown, live: false }];
    }
    if (message.conversation_id !== this.conversation?.id) {
      if (!this.mayAdopt(message.conversation_id)) return [];
      cmds.push(...this.adopt({ id: message.conversation_id, status: 'open' }));
    }
    if (message.client_id) this.settle(message.client_id);
    const result = this.seq.receive(message);
    cmds.push(...this.deliver(result.deliver));
    if (result.needSync) cmds.push(...this.syncCommands());
    return cmds;
  }

  synced(lastSeq) {
    if (!Number.isInteger(lastSeq)) return [];
    const result = this.seq.synced(lastSeq);
    const cmds = this.deliver(result.deliver);
    this.saveHistory();
    this.live = true;
    if (result.needSync) {
      const delay = result.progress ? 0 : RESYNC_DELAY_MS;
      cmds.push(...this.syncCommands().map((cmd) => ({ ...cmd, delay })));
    }
    if (this.awaitingSync) {
      this.awaitingSync = false;
      cmds.push(...this.flush());
    }
    return cmds;
  }

  ack(f) {
    if (typeof f.client_id !== 'string' || !Number.isInteger(f.seq)) return [];
    const cmds = [];
    if (Number.isInteger(f.conversation_id) && f.conversation_id !== this.conversation?.id
        && this.mayAdopt(f.conversation_id)) {
      cmds.push(...this.adopt({ id: f.conversation_id, status: 'open' }));
    }
    this.settle(f.client_id);
    cmds.push({ type: 'ack', client_id: f.client_id, seq: f.seq, conversation_id: f.conversation_id });
    return cmds;
  }

  nack(f) {
    if (typeof f.client_id !== 'string') return [];
    if (THROTTLED_CODES.includes(f.error?.code)) {
      // Not now, not never: it stays in the outbox and goes again on resend().
      this.sentHere.delete(f.client_id);
      return [{ type: 'throttled', ms: retryAfterMs(f.error.retry_after) }];
    }
    this.settle(f.client_id);
    return [{ type: 'failed', client_id: f.client_id, code: String(f.error?.code || 'refused') }];
  }

  readFrame(f) {
    if (!Number.isInteger(f.seq)) return [];
    if (f.reader === 'agent') return this.agentReadUpTo(f.seq);
    if (f.reader === 'visitor' && f.seq > this.visitorRead) {
      this.visitorRead = f.seq;
      this.saveHistory();
      return [this.unreadCommand()];
    }
    return [];
  }

  // -- conversations

  /** The visitor's open conversation according to the server (session answer, hello). */
  conversationIs(conv) {
    if (!conv || !Number.isInteger(conv.id)) {
      return this.conversation?.status === 'open' ? [...this.setStatus('closed'), ...this.setBot(false)] : [];
    }
    if (conv.id !== this.conversation?.id) return this.adopt(conv);
    const cmds = this.update(conv);
    if (Number.isInteger(conv.last_seq) && conv.last_seq < this.seq.last) cmds.push(...this.resetLocal());
    return cmds;
  }

  /** A status change of ours, or a new one (opened in another tab). */
  conversationChanged(conv) {
    if (!conv || !Number.isInteger(conv.id)) return [];
    if (conv.id === this.conversation?.id) return this.update(conv);
    return (conv.status === 'open' || conv.status === 'bot') && this.mayAdopt(conv.id) ? this.adopt(conv) : [];
  }

  update(conv) {
    const cmds = [...this.setStatus(conv.status === 'closed' ? 'closed' : 'open'), ...this.setBot(conv.status === 'bot')];
    if (Number.isInteger(conv.agent_read_seq)) cmds.push(...this.agentReadUpTo(conv.agent_read_seq));
    if (conv.assigned === true) cmds.push({ type: 'queue', queue: null });
    return cmds;
  }

  mayAdopt(id) {
    return Number.isInteger(id) && (!this.conversation || this.conversation.status === 'closed' || id > this.conversation.id);
  }

  adopt(conv) {
    // The chat before stays above (an answer that came while the visitor wrote offline is
    // not lost to the new one): its lines move below seq 0, older chats go.
    const earlier = this.messages.filter((m) => m.seq > 0).map((m) => ({ ...m, seq: m.seq - 1e9 }));
    const before = this.conversation && { id: this.conversation.id, last: this.seq.last };
    this.conversation = { id: conv.id, status: conv.status === 'closed' ? 'closed' : 'open', bot: conv.status === 'bot' };
    this.load();
    this.before = null;
    if (!this.messages.length && before) {
      this.messages = earlier;
      this.saveHistory();
      this.before = before;
    }
    if (Number.isInteger(conv.agent_read_seq)) this.agentRead = Math.max(this.agentRead, conv.agent_read_seq);
    this.saveState();
    const cmds = [{ type: 'clear' }, this.statusCommand(), this.botCommand()];
    cmds.push(...this.messages.map((message) => ({ type: 'show', message, live: false })));
    if (this.agentRead) cmds.push({ type: 'read', seq: this.agentRead });
    cmds.push(this.unreadCommand(), ...this.syncCommands());
    // And what the chat before may still hold for us (its answer may be on its way).
    if (this.before && this.connected) {
      cmds.push({ type: 'send', frame: { type: 'sync', conversation_id: this.before.id, after_seq: this.before.last } });
    }
    return cmds;
  }

  /** A new visitor token: the old conversation is not this visitor's. */
  forget() {
    this.conversation = this.before = null;
    this.storage.removeItem(this.keys.history);
    this.load();
    this.saveState();
    return [{ type: 'clear' }, this.statusCommand(), this.botCommand(), this.unreadCommand()];
  }

  resetLocal() {
    this.seq.reset();
    this.messages = [];
    this.saveHistory({ replace: true });
    return [{ type: 'clear' }, this.unreadCommand(), ...this.syncCommands()];
  }

  setStatus(status) {
    if (!this.conversation || this.conversation.status === status) return [];
    this.conversation = { ...this.conversation, status };
    this.saveState();
    return [this.statusCommand()];
  }

  /** While the bot serves, the widget offers its views (bot.js) and a way to a person. */
  setBot(on) {
    if (!this.conversation || Boolean(this.conversation.bot) === on) return [];
    this.conversation = { ...this.conversation, bot: on };
    this.saveState();
    return [this.botCommand()];
  }

  botCommand() {
    return { type: 'bot', on: Boolean(this.conversation?.bot) };
  }

  // -- helpers

  load() {
    const stored = readJSON(this.storage, this.keys.history);
    const same = stored && this.conversation && stored.conversation_id === this.conversation.id
      && Array.isArray(stored.messages);
    this.messages = same ? stored.messages.filter((m) => m && Number.isInteger(m.seq)) : [];
    this.seq = new Sequence(same && Number.isInteger(stored.last) ? stored.last : 0);
    this.agentRead = same ? stored.agent_read || 0 : 0;
    this.visitorRead = same ? stored.visitor_read || 0 : 0;
    this.readSent = 0;
  }

  deliver(list) {
    if (!list.length) return [];
    this.messages.push(...list);
    this.saveHistory();
    const cmds = list.map((message) => ({ type: 'show', message, live: this.live }));
    // A long-poll has no hello: system lines tell of closes too.
    for (const { sender, body } of list) {
      if (sender !== 'system') continue;
      if (body === 'closed' || body === 'reopened') cmds.push(...this.setStatus(body === 'closed' ? 'closed' : 'open'));
      else if (body === 'agent_joined' && this.live) cmds.push({ type: 'queue', queue: null });
    }
    return [...cmds, this.unreadCommand()];
  }

  settle(clientId) {
    removeFromOutbox(this.storage, this.keys.outbox, clientId);
    this.sentHere.delete(clientId);
  }

  /** Rule 2: every unacknowledged message, in order, once per connection. */
  flush() {
    if (!this.connected || this.awaitingSync) return [];
    const cmds = [];
    for (const entry of readOutbox(this.storage, this.keys.outbox)) {
      if (this.sentHere.has(entry.client_id)) continue;
      this.sentHere.add(entry.client_id);
      cmds.push({ type: 'send', frame: sendFrame(entry) });
    }
    return cmds;
  }

  syncCommands() {
    if (!this.connected || !this.conversation || this.seq.syncing) return [];
    const after = this.seq.startSync();
    return [{ type: 'send', frame: { type: 'sync', conversation_id: this.conversation.id, after_seq: after } }];
  }

  readCommands() {
    if (!this.connected || !this.conversation || this.visitorRead <= this.readSent) return [];
    this.readSent = this.visitorRead;
    return [{ type: 'send', frame: { type: 'read', conversation_id: this.conversation.id, seq: this.visitorRead } }];
  }

  agentReadUpTo(seq) {
    if (!(seq > this.agentRead)) return [];
    this.agentRead = seq;
    this.saveHistory();
    return [{ type: 'read', seq }];
  }

  statusCommand() {
    return { type: 'status', status: this.conversation ? this.conversation.status : 'none' };
  }

  unreadCommand() {
    const count = this.unread();
    if (count !== this.savedUnread) this.saveState();
    return { type: 'unread', count };
  }

  saveState() {
    this.savedUnread = this.unread();
    writeJSON(this.storage, this.keys.state, {
      token: this.token, site: this.site, conversation: this.conversation, unread: this.savedUnread,
      prechat: this.prechat,
    });
  }

  saveHistory({ replace = false } = {}) {
    if (!this.conversation) return;
    const mine = {
      conversation_id: this.conversation.id, last: this.seq.last, agent_read: this.agentRead,
      visitor_read: this.visitorRead, messages: this.messages,
    };
    writeJSON(this.storage, this.keys.history, mergeHistory(replace ? null : readJSON(this.storage, this.keys.history), mine));
  }
}

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

// When and how to reconnect: backoff with jitter, heartbeat deadlines, close codes, long-poll fallback.
export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 15000;
export const PING_INTERVAL_MS = 20000;
/** protocol.md rule 4: a socket silent for 2.5 ping intervals is dead. */
export const DEAD_AFTER_MS = 2.5 * PING_INTERVAL_MS;
export const HELLO_TIMEOUT_MS = 10000;
export const SOCKET_FAILURES_BEFORE_POLL = 2;
/** A throttled client waits this long when the server names no time (and never less than 1 s, nor more than 5 min). */
export const THROTTLED_MS = 5000;
/** `nack` error codes that mean "not now", not "never": the message stays in the outbox. */
export const THROTTLED_CODES = ['rate_limited', 'too_many_requests'];

/** 0.5 s, 1 s, 2 s … capped at 15 s, each ±20 % so that many tabs do not reconnect in step. */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(Math.min(MAX_DELAY_MS, base * (0.8 + 0.4 * random())));
}

/** What to do after `silentMs` without a frame from the server: nothing, ask with a ping, or give up. */
export function heartbeat(silentMs) {
  if (silentMs >= DEAD_AFTER_MS) return 'dead';
  return silentMs >= PING_INTERVAL_MS ? 'ping' : 'wait';
}

/** Sockets that never once said hello, twice in a row, mean a network that blocks them. */
export function shouldPoll({ everConnected, failures }) {
  return !everConnected && failures >= SOCKET_FAILURES_BEFORE_POLL;
}

/**
 * A socket close code: 'renew' the visitor session (4001), 'stop' (4003, origin refused),
 * 'throttled' (4429, or 1013 "try again later": reconnect after THROTTLED_MS) or 'reconnect'.
 */
export function closeAction(code) {
  if (code === 4001) return 'renew';
  if (code === 4003) return 'stop';
  if (code === 4429 || code === 1013) return 'throttled';
  return 'reconnect';
}

/**
 * An HTTP answer's status (0 = no answer): 'ok', 'renew' (401), 'throttled' (429: wait for
 * Retry-After, then again), 'retry' (network, timeouts, server errors) or 'refused' (any other
 * 4xx: a send is nacked, a poll stops).
 */
export function httpOutcome(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'renew';
  if (status === 429) return 'throttled';
  if (!status || status === 408 || status === 425 || status >= 500) return 'retry';
  return 'refused';
}

/** Milliseconds to wait for a `Retry-After` value (seconds or an HTTP date), within 1 s … 5 min. */
export function retryAfterMs(value, now = Date.now()) {
  const text = String(value ?? '').trim();
  let ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) ms = THROTTLED_MS;
  return Math.min(300000, Math.max(1000, ms));
}

// Outgoing typing indicator: at most one frame per 2 s, the latest wish wins, idle typing ends by itself.
export const TYPING_INTERVAL_MS = 2000;
export const TYPING_IDLE_MS = 5000;

export class TypingThrottle {
  constructor() {
    this.sentAt = -Infinity;
    this.sent = false;
  }

  /**
   * The visitor is (or is no longer) typing at `now`. Returns `{send: true|false}` for a frame to
   * send now, `{wait: ms}` to ask again after the throttle window, or `{}` for nothing to do.
   * While typing continues a `true` is repeated every window (it refreshes the agent's view).
   */
  want(typing, now) {
    if (!typing && !this.sent) return {};
    const wait = this.sentAt + TYPING_INTERVAL_MS - now;
    if (wait > 0) return { wait };
    this.sentAt = now;
    this.sent = typing;
    return { send: typing };
  }
}
