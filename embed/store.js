// Durable widget state in the host page's localStorage: key names per site, JSON access, history merging, the outbox.
import { normalizeAttachment } from './format.js';

export const HISTORY_LIMIT = 200;

/** Every key the widget uses for one site; the loader reads `state` and `outbox` by these names. */
export function storageKeys(siteKey) {
  const prefix = `kefu:${siteKey}:`;
  return {
    state: `${prefix}state`, outbox: `${prefix}outbox`, history: `${prefix}history`,
    chime: `${prefix}chime`, open: `${prefix}open`,
  };
}

/**
 * Wrap a Storage so that a full or forbidden storage never breaks the chat: what cannot be
 * written is kept in memory for this page's life (`durable` turns false, `warn()` is called once).
 */
export function safeStorage(backing, warn = () => {}) {
  const memory = new Map();
  const wrapper = {
    durable: true,
    flushed: () => Promise.resolve(),
    getItem(key) {
      if (memory.has(key)) return memory.get(key);
      try { return backing ? backing.getItem(key) : null; } catch { return null; }
    },
    setItem(key, value) {
      try {
        backing.setItem(key, value);
        memory.delete(key);
      } catch {
        if (wrapper.durable) warn();
        wrapper.durable = false;
        memory.set(key, value);
      }
    },
    removeItem(key) {
      memory.delete(key);
      try { backing.removeItem(key); } catch { /* nothing stored there either */ }
    },
  };
  return wrapper;
}

/**
 * The storage of the website's page, for the chat in its iframe (loader.js and bridge.js keep our
 * keys in the page's localStorage, so state is first-party and survives third-party blocking).
 * Reads come from `items`, the page's copy at start, kept current by `changed()` (another tab) and
 * by our writes, which are posted with `send({type: 'set', id, key, value})` and confirmed by
 * `stored(id, ok)`. `flushed()` resolves once every write so far is stored (or did not answer in
 * `patience` ms); a refused write makes it not `durable` and calls `warn()` once.
 */
export function relayStorage(items, send, warn = () => {}, patience = 2000) {
  const memory = new Map(Object.entries(items || {}).filter(([, value]) => typeof value === 'string'));
  const waiting = new Map();
  const listeners = [];
  let id = 0;
  let last = Promise.resolve();
  const write = (key, value) => {
    if (value === null) memory.delete(key);
    else memory.set(key, value);
    const mine = (id += 1);
    last = new Promise((resolve) => {
      waiting.set(mine, resolve);
      setTimeout(resolve, patience);
    });
    send({ type: 'set', id: mine, key, value });
  };
  const relay = {
    durable: true,
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => write(key, String(value)),
    removeItem: (key) => write(key, null),
    flushed: () => last,
    listen: (fn) => listeners.push(fn),
    stored(answered, ok) {
      if (!ok && relay.durable) warn();
      if (!ok) relay.durable = false;
      // Answers come in order: this one settles every earlier write too.
      for (const [n, resolve] of waiting) {
        if (n > answered) break;
        waiting.delete(n);
        resolve();
      }
    },
    changed(key, value) {
      if (typeof value === 'string') memory.set(key, value);
      else memory.delete(key);
      for (const fn of listeners) fn(key);
    },
  };
  return relay;
}

export function readJSON(storage, key) {
  try { return JSON.parse(storage.getItem(key) || 'null'); } catch { return null; }
}

export function writeJSON(storage, key, value) {
  storage.setItem(key, JSON.stringify(value));
}

/**
 * Combine this tab's history with what another tab stored. Each side holds every message up to
 * its `last` (within the kept window), so the union holds every message up to the larger one.
 * A newer conversation replaces an older one.
 */
export function mergeHistory(stored, mine, limit = HISTORY_LIMIT) {
  if (!stored || stored.conversation_id !== mine.conversation_id) {
    return stored && stored.conversation_id > mine.conversation_id ? stored : trim(mine, limit);
  }
  const bySeq = new Map();
  for (const message of [...(stored.messages || []), ...mine.messages]) bySeq.set(message.seq, message);
  return trim({
    conversation_id: mine.conversation_id,
    last: Math.max(stored.last || 0, mine.last),
    agent_read: Math.max(stored.agent_read || 0, mine.agent_read || 0),
    visitor_read: Math.max(stored.visitor_read || 0, mine.visitor_read || 0),
    messages: [...bySeq.values()].sort((a, b) => a.seq - b.seq),
  }, limit);
}

function trim(history, limit) {
  const messages = history.messages.length > limit ? history.messages.slice(-limit) : history.messages;
  return { ...history, messages };
}

/** True for the first tab to claim `seq` under `key` (one chime per message, not one per tab). */
export function claim(storage, key, seq) {
  const seen = Number(storage.getItem(key)) || 0;
  if (seen >= seq) return false;
  storage.setItem(key, String(seq));
  return true;
}

// The outbox: messages written but not yet acknowledged, in durable storage, in the order written.
export const BODY_MAX = 5000;

/** A client id for a new message: a random UUID (also on plain-http pages, where randomUUID is missing). */
export function newClientId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Why a text cannot be sent ('empty', 'too_long'), or null. Lengths count characters, as the server does. */
export function checkBody(text) {
  const body = String(text).trim();
  if (!body) return 'empty';
  return [...body].length > BODY_MAX ? 'too_long' : null;
}

/** An outbox entry for a text, or for an uploaded attachment (`attachment` from the upload answer). */
export function newEntry({ kind = 'text', body = '', attachment = null, category_id: category }, { clientId, now }) {
  return {
    client_id: clientId, kind, body: String(body).trim(), created_at: now, attachment: normalizeAttachment(attachment),
    ...(Number.isInteger(category) && category > 0 && { category_id: category }),
  };
}

/** The `send` frame for an entry. No conversation_id: a visitor's message goes to their open conversation. */
export function sendFrame(entry) {
  const frame = { type: 'send', client_id: entry.client_id, kind: entry.kind };
  if (entry.body) frame.body = entry.body;
  if (entry.attachment) frame.attachment_id = entry.attachment.id;
  if (entry.category_id) frame.category_id = entry.category_id;
  return frame;
}

export function readOutbox(storage, key) {
  let entries;
  try {
    entries = JSON.parse(storage.getItem(key) || '[]');
    // Written by an older widget on a page whose Array.prototype.toJSON (Prototype.js) made it a string.
    if (typeof entries === 'string') entries = JSON.parse(entries);
  } catch { entries = []; }
  return Array.isArray(entries) ? entries.filter(isEntry) : [];
}

/** Append (re-reading first: another tab may have written since). Adding a known client id is a no-op. */
export function addToOutbox(storage, key, entry) {
  const entries = readOutbox(storage, key);
  if (!entries.some((e) => e.client_id === entry.client_id)) entries.push(entry);
  storage.setItem(key, JSON.stringify(entries));
  return entries;
}

/** Drop an entry once the server has it (ack or its own message echo) or refused it (nack). */
export function removeFromOutbox(storage, key, clientId) {
  const entries = readOutbox(storage, key);
  const kept = entries.filter((e) => e.client_id !== clientId);
  if (kept.length === entries.length) return false;
  if (kept.length) storage.setItem(key, JSON.stringify(kept));
  else storage.removeItem(key);
  return true;
}

function isEntry(entry) {
  return Boolean(entry) && typeof entry.client_id === 'string' && typeof entry.kind === 'string'
    && (entry.kind === 'text' ? typeof entry.body === 'string' : Boolean(entry.attachment));
}
