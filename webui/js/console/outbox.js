// Messages written but not yet acknowledged: kept in localStorage (shared by the user's tabs) until `ack`.

const KINDS = new Set(['text', 'note', 'image', 'file']);
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const DAY_MS = 86_400_000;
/** Unsent messages older than this are no longer kept (nor sent): the chat has long moved on. */
export const KEEP_DAYS = 7;
/** At most this many unsent messages are kept, the oldest dropped first. */
export const MAX_ENTRIES = 500;
/** How many acknowledged client ids storage remembers for the other tabs. */
export const MAX_ACKED = 200;
/** The error of an unsent message the caps (or a sign-out in another tab) dropped. */
export const DROPPED = 'outbox_dropped';

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

const writtenAt = (entry) => Date.parse(entry.created_at) || 0;

/**
 * The outbox of protocol.md rule 1. Entries keep the order they were written in. States:
 * `sending` (resent after every reconnect), `acked` (stored by the server; kept in memory only until
 * the conversation's timeline shows the message) and `failed` (refused by a `nack`, or dropped by
 * the caps; never resent).
 *
 * Across tabs. Every tab of the signed-in user shares one storage item, `{entries, acked}`: the
 * unsent entries (`sending`, `failed`) and the last MAX_ACKED client ids acknowledged. Storage is
 * the truth for every entry that reached it; each tab's `entries` (what it draws and resends)
 * add what only it knows: entries acked here and awaiting the timeline, entries the storage
 * refused (full), entries the caps dropped (shown failed).
 * - Every change reads storage, applies only that change (put one entry, remove some ids) and
 *   writes it back. A tab never writes its whole list: a stale list would bring back what
 *   another tab had acknowledged meanwhile.
 * - After each write, and on the `storage` event (`refresh`), storage is merged into memory:
 *   an entry this tab lacks is adopted (drawn as sending, sent at the next connect, or by the
 *   runtime a while later if its own tab did not manage); an entry whose id is in `acked` becomes
 *   acked here (never resent); an entry this tab had seen in storage that left it otherwise
 *   leaves this tab too if it had failed (discarded elsewhere); if it was sending, it is shown
 *   failed (`outbox_dropped`: not resent, not gone without a word) when a cap dropped it or a
 *   sign-out cleared the item, else it was lost to a simultaneous write and is written again.
 * - Two tabs may both send an entry (say, both reconnecting): the server deduplicates by client
 *   id, and a tab holds each client id once, so the message is drawn once.
 * - Caps, applied on every write and merge: entries older than KEEP_DAYS, then beyond
 *   MAX_ENTRIES, are dropped oldest first (drafts have their own, drafts.js).
 * localStorage has no transactions (and Chrome passes a tab's writes to the others a moment
 * later): two tabs writing in the same instant may lose one change. A lost removal means a
 * harmless resend; a lost entry is written again at the owner's next merge, as above.
 * Storage missing, blocked or full: the entries live in this page's memory, as before.
 */
export class Outbox {
  constructor({ storage = null, key = 'kefu.outbox', now = () => Date.now() } = {}) {
    this.storage = storage;
    this.key = key;
    this.now = now;
    this.entries = [];
    /** Client ids this tab saw in storage: once gone from it without an ack they are dropped here. */
    this.stored = new Set();
    this.refresh();
  }

  /** Add a message about to be sent: `{client_id, conversation_id, kind, body, attachment_id?, attachment?}`. */
  add(fields, now = new Date(this.now())) {
    const entry = { state: 'sending', created_at: now.toISOString(), ...fields, seq: null, error: null };
    this.entries.push(entry);
    this.#sync({ put: [entry] });
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
    this.#sync({ acked: [clientId] });
    return entry;
  }

  /** Refused for good (`nack`): kept to show the error, never resent. */
  fail(clientId, error) {
    const entry = this.get(clientId);
    if (!entry || entry.state === 'acked') return null;
    entry.state = 'failed';
    entry.error = { code: String(error?.code || 'error'), message: String(error?.message || '') };
    this.#sync({ put: [entry] });
    return entry;
  }

  remove(clientId) {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => entry.client_id !== clientId);
    if (this.entries.length !== before) this.#sync({ drop: [clientId] });
  }

  /** Unacknowledged entries to (re)send, in the order written; all conversations when `id` is null. */
  pending(conversationId = null) {
    return this.entries.filter((entry) => entry.state === 'sending'
      && (conversationId === null || entry.conversation_id === conversationId));
  }

  /** Messages of every tab not delivered: sending, or failed (refused or dropped). */
  unsent() {
    return this.entries.filter((entry) => entry.state !== 'acked');
  }

  forConversation(conversationId) {
    return this.entries.filter((entry) => entry.conversation_id === conversationId);
  }

  /** Drop acked entries the timeline now shows (matched by client id or seq). */
  settle(conversationId, timeline) {
    const shown = [];
    this.entries = this.entries.filter((entry) => {
      const settled = entry.conversation_id === conversationId && entry.state !== 'failed'
        && (timeline.clientIds.has(entry.client_id) || (entry.state === 'acked' && timeline.has(entry.seq)));
      if (settled && entry.state === 'sending') shown.push(entry.client_id);
      return !settled;
    });
    if (shown.length) this.#sync({ acked: shown }); // stored, as the timeline shows: an ack
  }

  /**
   * Take in what other tabs changed (the `storage` event; also before a (re)connect). Returns
   * `{changed, adopted}`: whether this tab's entries changed, and the entries it took over.
   */
  refresh() {
    const state = this.#read();
    if (!state) return { changed: false, adopted: [] };
    const capped = this.#cap(state);
    if (capped.length) this.#write(state);
    return this.#merge(state, capped);
  }

  /** Take in entries kept elsewhere (an older console's sessionStorage): those valid and new to us. */
  take(list) {
    const fresh = (Array.isArray(list) ? list : []).filter((entry) => validEntry(entry) && !this.get(entry.client_id));
    if (!fresh.length) return;
    this.entries.push(...fresh.map((entry) => ({ ...entry })));
    this.entries.sort((a, b) => writtenAt(a) - writtenAt(b));
    this.#sync({ put: fresh });
  }

  /** Sign-out: this user's unsent messages leave this browser; nothing is stored after it. */
  forget() {
    this.entries = [];
    this.stored.clear();
    try { this.storage?.removeItem(this.key); } catch { /* nothing kept */ }
    this.storage = null;
  }

  /** The `send` frame for an entry (same client id on every attempt). */
  static frame(entry) {
    const frame = { type: 'send', client_id: entry.client_id, conversation_id: entry.conversation_id,
      kind: entry.kind, body: entry.body };
    if (entry.attachment_id != null) frame.attachment_id = entry.attachment_id;
    return frame;
  }

  /** Storage's `{entries, acked}`, or null when there is no storage to read. */
  #read() {
    if (!this.storage) return null;
    let raw;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return null;
    }
    let data = null;
    try { data = JSON.parse(raw || 'null'); } catch { /* corrupt: start over */ }
    const list = Array.isArray(data) ? data : data?.entries; // an array: the format before `acked`
    const seen = new Set();
    const entries = (Array.isArray(list) ? list : []).filter((entry) => validEntry(entry)
      && !seen.has(entry.client_id) && seen.add(entry.client_id));
    const acked = (Array.isArray(data?.acked) ? data.acked : []).filter((id) => CLIENT_ID.test(id ?? ''));
    return { entries, acked, present: raw !== null };
  }

  #write({ entries, acked }) {
    try {
      if (entries.length || acked.length) this.storage.setItem(this.key, JSON.stringify({ entries, acked }));
      else this.storage.removeItem(this.key);
      return true;
    } catch {
      return false; // full or blocked: memory keeps it; the next change tries again
    }
  }

  /** Drop what is too old, then the oldest beyond MAX_ENTRIES; returns the dropped ids. */
  #cap(state) {
    const oldest = this.now() - KEEP_DAYS * DAY_MS;
    const dropped = [];
    state.entries = state.entries.filter((entry) => {
      const keep = writtenAt(entry) === 0 || writtenAt(entry) >= oldest;
      if (!keep) dropped.push(entry.client_id);
      return keep;
    });
    const extra = state.entries.length - MAX_ENTRIES;
    if (extra > 0) dropped.push(...state.entries.splice(0, extra).map((entry) => entry.client_id));
    return dropped;
  }

  /** Apply one change to storage (read, change, cap, write), then merge storage into memory. */
  #sync({ put = [], drop = [], acked = [] }) {
    const state = this.#read();
    if (!state) return;
    const gone = new Set([...drop, ...acked]);
    const known = new Set([...state.entries.map((entry) => entry.client_id), ...state.acked]);
    // Entries of this tab that a full storage refused earlier go in now (never ones stored once).
    const retry = this.entries.filter((entry) => entry.state === 'sending' && !this.stored.has(entry.client_id)
      && !known.has(entry.client_id) && !gone.has(entry.client_id));
    const writes = new Map([...retry, ...put].map((entry) => [entry.client_id, { ...entry }]));
    state.entries = state.entries.map((entry) => {
      const copy = writes.get(entry.client_id);
      writes.delete(entry.client_id);
      return copy || entry;
    });
    state.entries.push(...writes.values());
    state.acked = [...state.acked.filter((id) => !acked.includes(id)), ...acked].slice(-MAX_ACKED);
    const done = new Set(state.acked);
    state.entries = state.entries.filter((entry) => !gone.has(entry.client_id) && !done.has(entry.client_id));
    const capped = this.#cap(state);
    if (this.#write(state)) this.#merge(state, capped);
  }

  /** Bring memory in line with storage (see the class comment). */
  #merge(state, capped = []) {
    const inStore = new Map(state.entries.map((entry) => [entry.client_id, entry]));
    const acked = new Set(state.acked);
    const left = new Set(capped);
    const oldest = this.now() - KEEP_DAYS * DAY_MS;
    let changed = false;
    const kept = [];
    const lost = [];
    for (const entry of this.entries) {
      const id = entry.client_id;
      const stored = inStore.get(id);
      if (entry.state === 'acked' || (entry.state === 'failed' && entry.error?.code === DROPPED && !stored)) {
        kept.push(entry);
      } else if (acked.has(id)) {
        entry.state = 'acked';
        kept.push(entry);
        changed = true;
      } else if (stored) {
        if (stored.state === 'failed' && entry.state === 'sending') {
          entry.state = 'failed';
          entry.error = stored.error;
          changed = true;
        }
        kept.push(entry);
      } else if (this.stored.has(id) || left.has(id)) {
        if (entry.state === 'failed') { // discarded in another tab
          changed = true;
          continue;
        }
        kept.push(entry);
        const dropped = left.has(id) || !state.present || writtenAt(entry) < oldest
          || state.entries.length >= MAX_ENTRIES;
        if (!dropped) {
          lost.push(entry);
          continue;
        }
        entry.state = 'failed';
        entry.error = { code: DROPPED, message: '' };
        changed = true;
      } else {
        kept.push(entry); // storage refused it: this page keeps it
      }
    }
    const mine = new Set(kept.map((entry) => entry.client_id));
    const adopted = state.entries.filter((entry) => !mine.has(entry.client_id)).map((entry) => ({ ...entry }));
    if (adopted.length) {
      kept.push(...adopted);
      kept.sort((a, b) => writtenAt(a) - writtenAt(b)); // stable: one tab's entries keep their order
      changed = true;
    }
    this.entries = kept;
    this.stored = new Set(inStore.keys());
    if (lost.length) this.#sync({ put: lost });
    return { changed, adopted };
  }
}
