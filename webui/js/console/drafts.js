// Per-conversation drafts of the message input, in memory and in sessionStorage.

const MAX_DRAFTS = 200;
const MAX_LENGTH = 5000;

/** Drafts keyed by conversation id: `{body, note}` (note: the draft is an internal note). */
export class Drafts {
  constructor({ storage = null, key = 'kefu.drafts' } = {}) {
    this.storage = storage;
    this.key = key;
    this.map = this.#load();
  }

  get(id) {
    return this.map.get(String(id)) || { body: '', note: false };
  }

  /** Keep a draft; an empty body that is not a note removes it. */
  set(id, { body = '', note = false }) {
    const text = String(body).slice(0, MAX_LENGTH);
    const keyId = String(id);
    this.map.delete(keyId);
    if (text || note) this.map.set(keyId, { body: text, note: Boolean(note) });
    while (this.map.size > MAX_DRAFTS) this.map.delete(this.map.keys().next().value);
    this.#save();
  }

  clear(id) {
    if (this.map.delete(String(id))) this.#save();
  }

  #load() {
    try {
      const data = JSON.parse(this.storage?.getItem(this.key) || '{}');
      const entries = Object.entries(data && typeof data === 'object' ? data : {})
        .filter(([, draft]) => draft && typeof draft.body === 'string');
      return new Map(entries.map(([id, draft]) => [id, { body: draft.body, note: Boolean(draft.note) }]));
    } catch {
      return new Map();
    }
  }

  #save() {
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify(Object.fromEntries(this.map)));
    } catch {
      // Quota or privacy mode: the drafts stay in memory.
    }
  }
}
