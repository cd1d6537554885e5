// The console's delivery core, without I/O: frames and HTTP answers in; frames to send, alerts out.
import { AlertRules } from './alert-rules.js';
import { newClientId, Outbox } from './outbox.js';
import { ConversationStore, inView, isLive } from './store.js';
import { Timeline } from './timeline.js';

export const TYPING_TTL_MS = 8000;
/** A `reset` frame's reason when a person's erasure rewrote the conversation. */
export const ERASED = 'erased';
const FRAME_TYPES = new Set(['message', 'conversation', 'read', 'typing', 'ack', 'nack', 'synced', 'reset', 'error',
  'queue', 'unanswered', 'bot_chat']);

const syncFrame = (id, afterSeq) => ({ type: 'sync', conversation_id: id, after_seq: afterSeq });
const readFrame = (id, seq) => ({ type: 'read', conversation_id: id, seq });

/** The entries a model's answer came from (`bot.sources`, agents only): `[{entry_id, question}]`. */
function sourcesOf(frame) {
  const sources = Array.isArray(frame.bot?.sources) ? frame.bot.sources : [];
  return sources.filter((s) => s && typeof s.question === 'string' && s.question)
    .map((s) => ({ entry_id: s.entry_id ?? null, question: s.question }));
}

/** A `message` frame (or Message object) reduced to the fields the console uses. */
export function messageFrom(frame) {
  const sources = sourcesOf(frame);
  return {
    id: frame.id ?? null, conversation_id: frame.conversation_id, seq: frame.seq,
    client_id: frame.client_id || null, kind: frame.kind, body: typeof frame.body === 'string' ? frame.body : '',
    sender: frame.sender || { type: 'system', id: null, name: '' }, attachment: frame.attachment || null,
    created_at: frame.created_at || null,
    ...(sources.length ? { bot: { sources } } : {}),
  };
}

/**
 * Holds the conversation store, one Timeline per conversation opened in this page and the outbox,
 * and applies the protocol's rules: sync after (re)connect, hold gaps, resend unacknowledged
 * messages after syncing, start over on `reset`. Every input returns
 * `{send: [frames], alerts: [{kind, conversationId, message?}], fetch: [conversation ids],
 * settle: [conversation ids]}`; pass each of `settle` to `settle(id)` after `SETTLE_MS` (alert-rules.js).
 */
export class ConsoleEngine {
  constructor({ me, outbox = new Outbox(), now = () => Date.now(), makeId = newClientId }) {
    this.me = me;
    this.outbox = outbox;
    this.now = now;
    this.makeId = makeId;
    this.store = new ConversationStore(me);
    this.rules = new AlertRules(me);
    this.timelines = new Map();
    this.syncing = new Set();
    this.resendAfterSync = new Set();
    this.ownActions = new Set();
    this.typing = new Map();
    this.queue = new Map();
    /** Conversations whose agent let the first answer wait too long (flagged by the server). */
    this.unanswered = new Set();
    this.activeId = null;
    this.attentive = false;
    this.connected = false;
  }

  /** The timeline of a conversation shown in this page, created on first use. */
  track(id) {
    if (!this.timelines.has(id)) this.timelines.set(id, new Timeline());
    return this.timelines.get(id);
  }

  /** Whether the agent is looking at conversation `id` and it is theirs to answer. */
  isReading(id) {
    const conversation = this.store.get(id);
    return this.attentive && id === this.activeId && isLive(conversation)
      && conversation.assignee_id === this.me.id;
  }

  /** I am about to claim, send into, reopen or transfer `id`: its next assignment is no news to me. */
  expectOwnAction(id) {
    this.ownActions.add(id);
  }

  /** The socket is (re)connected: sync every open conversation shown, resend what needs no sync. */
  onConnected() {
    const out = result();
    this.connected = true;
    for (const [id, timeline] of this.timelines) {
      const conversation = this.store.get(id);
      if (conversation && !isLive(conversation) && timeline.loaded) continue;
      out.send.push(syncFrame(id, timeline.lastSeq));
      this.syncing.add(id);
      this.resendAfterSync.add(id);
    }
    for (const entry of this.outbox.pending()) {
      if (!this.resendAfterSync.has(entry.conversation_id)) out.send.push(Outbox.frame(entry));
    }
    return out;
  }

  disconnected() {
    this.connected = false;
    this.syncing.clear();
    this.resendAfterSync.clear();
    this.typing.clear();
  }

  /** Resend a conversation's pending messages without waiting for `synced` (its answer is late). */
  flushPending(id) {
    const out = result();
    if (!this.resendAfterSync.delete(id)) return out;
    out.send.push(...this.outbox.pending(id).map(Outbox.frame));
    return out;
  }

  /** Apply one server frame. Unknown types are ignored. */
  handle(frame) {
    const out = result();
    if (!frame || !FRAME_TYPES.has(frame.type)) return out;
    const id = frame.conversation_id;
    switch (frame.type) {
      case 'message': this.#message(messageFrom(frame), out); break;
      case 'conversation': this.#conversation(frame.conversation, out); break;
      case 'read': this.#read(frame, out); break;
      case 'typing': this.#typing(frame); break;
      case 'ack': this.#ack(frame); break;
      case 'nack': this.outbox.fail(frame.client_id, frame.error); break;
      case 'synced': this.#synced(id, frame.last_seq, out); break;
      case 'reset': this.#reset(id, frame.reason, out); break;
      case 'error': this.#refused(frame, out); break;
      case 'queue': this.#queue(frame); break;
      case 'bot_chat': this.#botChat(frame, out); break;
      case 'unanswered':
        if (Number.isInteger(id)) {
          this.unanswered.add(id);
          out.alerts.push(...this.rules.unanswered(frame));
        }
        break;
      default: break;
    }
    return out;
  }

  #message(message, out) {
    const id = message.conversation_id;
    if (message.sender.type === 'agent' && message.kind !== 'note') this.unanswered.delete(id);
    const reading = this.isReading(id);
    const { known, fresh } = this.store.applyMessage(message, { reading });
    if (!known) out.fetch.push(id);
    const timeline = this.timelines.get(id);
    if (timeline) {
      timeline.receive(message);
      if (timeline.hasGap && this.connected && !this.syncing.has(id)) {
        out.send.push(syncFrame(id, timeline.lastSeq));
        this.syncing.add(id);
      }
    }
    if (message.client_id && this.outbox.get(message.client_id)?.state === 'sending') {
      this.outbox.ack(message.client_id, message);
    }
    if (timeline) this.outbox.settle(id, timeline);
    // Answering a left message opens it; the server says so only when the answer also claims it.
    if (message.sender.type === 'agent' && message.sender.id === this.me.id && message.kind !== 'note'
      && this.store.get(id)?.status === 'pending') out.fetch.push(id);
    out.alerts.push(...this.rules.message(message, this.store.get(id), { fresh, reading }));
    if (message.sender.type !== 'visitor' || message.kind === 'note') return;
    this.typing.delete(id);
    if (fresh && reading) out.send.push(readFrame(id, message.seq));
  }

  /** `SETTLE_MS` after a frame asked for it: the alert a chat deserves now that routing had its chance. */
  settle(id) {
    const out = result();
    out.alerts.push(...this.rules.settled(id, this.store.get(id)));
    return out;
  }

  /**
   * Any sign that a conversation has a seq we never got (a read position or a `last_seq` beyond
   * ours) means a frame went missing: ask for it rather than show a silent gap.
   */
  #checkBehind(id, seq, out) {
    const timeline = this.timelines.get(id);
    if (!timeline?.loaded || !Number.isInteger(seq) || seq <= timeline.lastSeq) return;
    if (!this.connected || this.syncing.has(id)) return;
    out.send.push(syncFrame(id, timeline.lastSeq));
    this.syncing.add(id);
  }

  #read(frame, out) {
    const before = this.store.get(frame.conversation_id);
    this.store.applyRead(frame);
    this.#checkBehind(frame.conversation_id, frame.seq, out);
    if (before && frame.reader === 'visitor' && frame.seq > (before.last_seq ?? 0)) out.fetch.push(before.id);
  }

  #conversation(conversation, out) {
    if (!conversation || !Number.isInteger(conversation.id)) return;
    const stored = this.store.applyConversation(conversation);
    // A chat handed over (or taken over) from the bot is news like a new chat.
    const previous = stored?.status === 'bot' ? null : stored;
    const own = this.ownActions.has(conversation.id); // my own claim, reopen or send: no news to me
    const now = (view) => inView(conversation, view, this.me);
    const { alerts, settle } = this.rules.conversation(previous, conversation, own);
    out.alerts.push(...alerts);
    out.settle.push(...settle);
    if (conversation.assignee_id !== null || conversation.status !== 'open') this.ownActions.delete(conversation.id);
    if (conversation.status === 'closed') this.typing.delete(conversation.id);
    if (!now('waiting')) this.queue.delete(conversation.id);
    this.#checkBehind(conversation.id, conversation.last_seq, out);
  }

  /**
   * A chat the answer bot serves (protocol.md, `bot_chat`): it joins or moves in the "with the bot"
   * list, and its new exchange reaches its timeline if it is open here. Never an alert. When it stops
   * being the bot's, the `conversation` frame that came first already said so (and alerted as for a
   * new chat); this one only matters if that frame was missed.
   */
  #botChat(frame, out) {
    const conversation = frame.conversation;
    if (!conversation || !Number.isInteger(conversation.id)) return;
    const previous = this.store.get(conversation.id);
    if (conversation.status !== 'bot' && previous && previous.status !== 'bot') return;
    this.store.applyConversation(conversation);
    const timeline = this.timelines.get(conversation.id);
    if (!timeline) return;
    for (const message of Array.isArray(frame.messages) ? frame.messages : []) timeline.receive(messageFrom(message));
    if (timeline.hasGap && this.connected && !this.syncing.has(conversation.id)) {
      out.send.push(syncFrame(conversation.id, timeline.lastSeq));
      this.syncing.add(conversation.id);
    }
  }

  #typing(frame) {
    if (frame.sender?.type !== 'visitor' || !Number.isInteger(frame.conversation_id)) return;
    if (frame.typing) {
      const draft = typeof frame.draft === 'string' ? frame.draft : '';
      this.typing.set(frame.conversation_id, { draft, at: this.now() });
    } else {
      this.typing.delete(frame.conversation_id);
    }
  }

  /** A waiting visitor's place in line (position 0: no longer queued). */
  #queue(frame) {
    const id = frame.conversation_id;
    if (!Number.isInteger(id)) return;
    if (!(frame.position > 0)) {
      this.queue.delete(id);
      return;
    }
    const wait = Number.isFinite(frame.estimated_wait_seconds) ? frame.estimated_wait_seconds : null;
    this.queue.set(id, { position: frame.position, estimatedWaitSeconds: wait });
  }

  /**
   * Where a waiting conversation stands: `{position, estimatedWaitSeconds, waitedMs}`, or null when
   * it is not waiting. Before the first `queue` frame the position is its place among the site's
   * waiting chats, oldest first (what the server uses when the site has no teams).
   */
  /** True while a chat waits too long for its agent's first answer. */
  isUnanswered(id) {
    return this.unanswered.has(id);
  }

  queueOf(id) {
    const conversation = this.store.get(id);
    if (!conversation || !inView(conversation, 'waiting', this.me)) return null;
    const known = this.queue.get(id);
    const started = Date.parse(conversation.created_at || '');
    return {
      position: known?.position ?? this.store.queuePosition(id),
      estimatedWaitSeconds: known?.estimatedWaitSeconds ?? null,
      waitedMs: Number.isNaN(started) ? null : Math.max(0, this.now() - started),
    };
  }

  #ack(frame) {
    const entry = this.outbox.ack(frame.client_id, frame);
    const timeline = entry && this.timelines.get(entry.conversation_id);
    if (timeline) this.outbox.settle(entry.conversation_id, timeline);
  }

  #synced(id, lastSeq, out) {
    this.syncing.delete(id);
    const timeline = this.timelines.get(id);
    if (timeline) {
      timeline.synced(lastSeq);
      this.outbox.settle(id, timeline);
    }
    out.send.push(...this.flushPending(id).send);
    // The replay is in front of the agent: read, as live messages are (they were not fresh if the
    // lists reloaded after the reconnect counted them first).
    const read = this.readFrameFor(id);
    if (read) out.send.push(read);
  }

  #reset(id, reason, out) {
    // A person's erasure rewrote the chat (protocol.md, `reset`): its preview and visitor too.
    if (reason === ERASED && this.store.get(id)) out.fetch.push(id);
    const timeline = this.timelines.get(id);
    if (!timeline) return;
    timeline.reset();
    out.send.push(syncFrame(id, 0));
    this.syncing.add(id);
  }

  /** A `sync` the server refused will never be answered: stop waiting and resend (it nacks if need be). */
  #refused(frame, out) {
    if (frame.request !== 'sync' || !Number.isInteger(frame.conversation_id)) return;
    this.syncing.delete(frame.conversation_id);
    out.send.push(...this.flushPending(frame.conversation_id).send);
  }

  /** An HTTP page of `GET …/messages`; `complete` when it reached the conversation's end. */
  loadMessages(id, { messages = [], last_seq: lastSeq = null } = {}, complete = true) {
    const timeline = this.track(id);
    timeline.receiveAll(messages.map(messageFrom));
    if (complete) timeline.synced(lastSeq);
    this.outbox.settle(id, timeline);
  }

  /** Queue a message I wrote; returns the outbox entry and the frame to send for it. */
  compose(id, { kind = 'text', body = '', attachment = null }) {
    const conversation = this.store.get(id);
    if (conversation && conversation.assignee_id === null && kind !== 'note') this.expectOwnAction(id);
    const entry = this.outbox.add({
      client_id: this.makeId(), conversation_id: id, kind, body,
      attachment_id: attachment ? attachment.id : null, attachment,
    }, new Date(this.now()));
    return { entry, frame: Outbox.frame(entry) };
  }

  /** An `ack` that came back over HTTP (`POST …/messages`), or an HTTP refusal. */
  httpAnswer(clientId, { ack = null, error = null }) {
    if (ack) this.#ack({ ...ack, client_id: clientId });
    else if (error && error.status !== 0) this.outbox.fail(clientId, error);
  }

  /** If I am reading `id`, the read position to report (a frame) and the badge is cleared. */
  readFrameFor(id) {
    if (!this.isReading(id)) return null;
    const conversation = this.store.get(id);
    const seq = Math.max(this.timelines.get(id)?.lastSeq ?? 0, conversation.last_seq ?? 0);
    return seq > 0 && this.store.markRead(id, seq) ? readFrame(id, seq) : null;
  }

  /** The visitor's live typing state: `{draft}` while fresh, else null. */
  visitorTyping(id) {
    const typing = this.typing.get(id);
    if (!typing) return null;
    if (this.now() - typing.at > TYPING_TTL_MS) {
      this.typing.delete(id);
      return null;
    }
    return { draft: typing.draft };
  }

  /** Messages to draw for a conversation: stored ones by seq, then mine still in the outbox. */
  items(id) {
    const timeline = this.timelines.get(id);
    const conversation = this.store.get(id);
    const items = (timeline?.messages || []).map((message) => ({
      key: `s${message.seq}`, message, state: this.stateOf(message, conversation), entry: null,
    }));
    for (const entry of this.outbox.forConversation(id)) {
      if (timeline?.clientIds.has(entry.client_id)) continue;
      items.push({ key: `c${entry.client_id}`, message: this.#entryMessage(entry), entry,
        state: entry.state === 'acked' ? 'sent' : entry.state });
    }
    return items;
  }

  /** `sent`/`read` for my stored messages, `received` for everyone else's. */
  stateOf(message, conversation) {
    if (message.sender?.type !== 'agent' || message.sender.id !== this.me.id) return 'received';
    const readUpTo = conversation?.visitor_read_seq ?? 0;
    return message.kind !== 'note' && message.seq <= readUpTo ? 'read' : 'sent';
  }

  #entryMessage(entry) {
    return {
      id: null, conversation_id: entry.conversation_id, seq: entry.seq, client_id: entry.client_id,
      kind: entry.kind, body: entry.body, attachment: entry.attachment || null, created_at: entry.created_at,
      sender: { type: 'agent', id: this.me.id, name: this.me.display_name },
    };
  }
}

function result() {
  return { send: [], alerts: [], fetch: [], settle: [] };
}
