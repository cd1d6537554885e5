// Messages written but not yet acknowledged: kept in localStorage with their client_id until `ack`.

const KINDS = new Set(['text', 'note', 'image', 'file']);
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** A fresh client id: `crypto.randomUUID()`, or a v4 UUID from getRandomValues on plain-HTTP pages. */
export function newClientId(cryptoApi = globalThis.crypto) {
  if (typeof cryptoApi?.randomUUID === 'function') {
    try { return cryptoApi.randomUUID(); } catch { /* not a secure context: fall through */ }
  }
  const bytes = new Uint8Array(16);
  cryptoApi.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function validEntry(entry) {
  return entry && typeof entry === 'object' && CLIENT_ID.test(entry.client_id ?? '')
    && Number.isInteger(entry.conversation_id) && KINDS.has(entry.kind) && typeof entry.body === 'string'
    && (entry.state === 'sending' || entry.state === 'failed');
}

/**
 * The outbox of protocol.md rule 1. Entries keep the order they were written in. States:
 * `sending` (resent after every reconnect), `acked` (stored by the server; kept in memory only until
 * the conversation's timeline shows the message) and `failed` (refused by a `nack`; never resent).
 */
export class Outbox {
  constructor({ storage = null, key = 'kefu.outbox' } = {}) {
    this.storage = storage;
    this.key = key;
    this.entries = this.#load();
  }

  /** Add a message about to be sent: `{client_id, conversation_id, kind, body, attachment_id?, attachment?}`. */
  add(fields, now = new Date()) {
    const entry = { state: 'sending', created_at: now.toISOString(), ...fields, seq: null, error: null };
    this.entries.push(entry);
    this.#save();
    return entry;
  }

  get(clientId) {
    return this.entries.find((entry) => entry.client_id === clientId) || null;
  }

  /** The server stored it as `seq`; returns the entry or null when it is not ours. */
  ack(clientId, { seq = null, created_at: createdAt = null } = {}) {
    const entry = this.get(clientId);
    if (!entry) return null;
    entry.state = 'acked';
    entry.seq = Number.isInteger(seq) ? seq : entry.seq;
    if (createdAt) entry.created_at = createdAt;
    this.#save();
    return entry;
  }

  /** Refused for good (`nack`): kept to show the error, never resent. */
  fail(clientId, error) {
    const entry = this.get(clientId);
    if (!entry || entry.state === 'acked') return null;
    entry.state = 'failed';
    entry.error = { code: String(error?.code || 'error'), message: String(error?.message || '') };
    this.#save();
    return entry;
  }

  remove(clientId) {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => entry.client_id !== clientId);
    if (this.entries.length !== before) this.#save();
  }

  /** Unacknowledged entries to (re)send, in the order written; all conversations when `id` is null. */
  pending(conversationId = null) {
    return this.entries.filter((entry) => entry.state === 'sending'
      && (conversationId === null || entry.conversation_id === conversationId));
  }

  forConversation(conversationId) {
    return this.entries.filter((entry) => entry.conversation_id === conversationId);
  }

  /** Drop acked entries the timeline now shows (matched by client id or seq). */
  settle(conversationId, timeline) {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => !(entry.conversation_id === conversationId
      && entry.state !== 'failed'
      && (timeline.clientIds.has(entry.client_id) || (entry.state === 'acked' && timeline.has(entry.seq)))));
    if (this.entries.length !== before) this.#save();
  }

  /** The `send` frame for an entry (same client id on every attempt). */
  static frame(entry) {
    const frame = { type: 'send', client_id: entry.client_id, conversation_id: entry.conversation_id,
      kind: entry.kind, body: entry.body };
    if (entry.attachment_id != null) frame.attachment_id = entry.attachment_id;
    return frame;
  }

  #load() {
    if (!this.storage) return [];
    try {
      const list = JSON.parse(this.storage.getItem(this.key) || '[]');
      return Array.isArray(list) ? list.filter(validEntry) : [];
    } catch {
      return [];
    }
  }

  #save() {
    if (!this.storage) return;
    const durable = this.entries.filter((entry) => entry.state !== 'acked');
    try {
      if (durable.length) this.storage.setItem(this.key, JSON.stringify(durable));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or blocked: the entries still live in memory for this page.
    }
  }
}
