// The outbox: messages written but not yet acknowledged, in durable storage, in the order written.
import { normalizeAttachment } from './format.js';

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
