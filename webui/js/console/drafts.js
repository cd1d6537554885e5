// Per-conversation drafts of the message input: in memory and in localStorage, shared by the user's tabs.

/** At most this many conversations keep a draft (the least recently edited goes first)… */
export const MAX_DRAFTS = 200;
/** …and a draft not edited for this long is dropped. */
export const DRAFT_KEEP_DAYS = 30;
const MAX_LENGTH = 5000;
const DAY_MS = 86_400_000;

/**
 * Drafts keyed by conversation id: `{body, note}` (note: the draft is an internal note).
 * Storage, shared by the tabs, is the truth: `get` reads it, and each change reads it, changes that
 * one conversation's draft and writes it back, so a tab never writes another conversation's draft
 * from a stale copy (a draft edited in one tab survives a later change in another). The same
 * conversation edited in two tabs: the last keystroke wins. A change the storage refuses (full,
 * blocked) stays in this page's memory and is laid over what storage says until a write succeeds.
 */
export class Drafts {
  constructor({ storage = null, key = 'kefu.drafts', now = () => Date.now() } = {}) {
    this.storage = storage;
    this.key = key;
    this.now = now;
    /** Changes storage refused: conversation id → draft, or null for a removal. */
    this.unsaved = new Map();
    this.map = this.#read() || new Map();
  }

  get(id) {
    const draft = this.#current().get(String(id));
    return draft ? { body: draft.body, note: draft.note } : { body: '', note: false };
  }

  /** Keep a draft; an empty body that is not a note removes it. */
  set(id, { body = '', note = false }) {
    const text = String(body).slice(0, MAX_LENGTH);
    this.#change(String(id), text || note ? { body: text, note: Boolean(note), at: this.now() } : null);
  }

  clear(id) {
    this.#change(String(id), null);
  }

  /** Sign-out: this user's drafts leave this browser; nothing is stored after it. */
  forget() {
    this.map = new Map();
    this.unsaved.clear();
    try { this.storage?.removeItem(this.key); } catch { /* nothing kept */ }
    this.storage = null;
  }

  #change(id, draft) {
    const map = this.#current();
    if (!draft && !map.has(id)) return;
    if (draft) map.set(id, draft);
    else map.delete(id);
    this.#cap(map);
    this.map = map;
    if (!this.storage) return;
    try {
      if (map.size) this.storage.setItem(this.key, JSON.stringify(Object.fromEntries(map)));
      else this.storage.removeItem(this.key);
      this.unsaved.clear();
    } catch {
      this.unsaved.set(id, draft); // quota or privacy mode: this page keeps it
    }
  }

  /** Storage's drafts with this page's unsaved changes over them (memory alone without storage). */
  #current() {
    const map = this.#read();
    if (!map) return this.map;
    for (const [id, draft] of this.unsaved) {
      if (draft) map.set(id, draft);
      else map.delete(id);
    }
    this.#cap(map);
    this.map = map;
    return map;
  }

  #cap(map) {
    const oldest = this.now() - DRAFT_KEEP_DAYS * DAY_MS;
    for (const [id, draft] of map) if (draft.at < oldest) map.delete(id);
    if (map.size <= MAX_DRAFTS) return;
    const byAge = [...map].sort(([, a], [, b]) => a.at - b.at);
    for (const [id] of byAge.slice(0, map.size - MAX_DRAFTS)) map.delete(id);
  }

  /** The stored drafts, or null when there is no storage to read. */
  #read() {
    if (!this.storage) return null;
    let raw;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return null;
    }
    let data = {};
    try { data = JSON.parse(raw || '{}'); } catch { /* corrupt: start over */ }
    const entries = Object.entries(data && typeof data === 'object' ? data : {})
      .filter(([, draft]) => draft && typeof draft.body === 'string');
    return new Map(entries.map(([id, draft]) => [id, {
      body: draft.body.slice(0, MAX_LENGTH), note: Boolean(draft.note),
      at: Number.isFinite(draft.at) ? draft.at : this.now(),
    }]));
  }
}
