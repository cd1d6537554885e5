// Canned replies (快捷回复): the "/" trigger, filtering by shortcut, and filling in variables.

export const VARIABLES = ['visitor_name', 'agent_name', 'site_name'];
/** The server's limits for a canned reply (services/canned.py). */
export const SHORTCUT_MAX = 30;
export const BODY_MAX = 2000;

/**
 * The picker query when the input starts with "/" and the caret is still in that first word
 * ("/ref" → "ref"); null otherwise.
 */
export function slashQuery(value, caret = value.length) {
  const text = String(value ?? '');
  if (!text.startsWith('/')) return null;
  const word = text.slice(1, Math.max(1, caret));
  if (/\s/.test(word) || /\s/.test(text.slice(0, caret))) return null;
  return word;
}

/** Replies usable in a conversation of `siteId`: personal ones and the shared ones of that site. */
export function usableIn(replies, siteId) {
  return replies.filter((reply) => reply.site_id === null || reply.site_id === undefined || reply.site_id === siteId);
}

/**
 * Replies matching `query`: shortcuts starting with it first, then shortcuts containing it, then
 * bodies containing it; case-insensitive; alphabetical within each group.
 */
export function filterCanned(replies, query = '') {
  const q = String(query).toLowerCase();
  const rank = (reply) => {
    const shortcut = String(reply.shortcut).toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q)) return 1;
    return String(reply.body).toLowerCase().includes(q) ? 2 : 3;
  };
  return replies.map((reply) => [rank(reply), reply]).filter(([score]) => score < 3)
    .sort(([a, x], [b, y]) => a - b || String(x.shortcut).localeCompare(String(y.shortcut)))
    .map(([, reply]) => reply);
}

/** Replace `{visitor_name}`, `{agent_name}`, `{site_name}`; other braces stay as written. */
export function fillVariables(body, values) {
  return String(body).replace(/\{(visitor_name|agent_name|site_name)\}/g,
    (whole, name) => (typeof values[name] === 'string' ? values[name] : whole));
}

/**
 * Put `text` into the input: over the "/query" word when the picker was opened by typing "/",
 * else at the selection. Returns the new value and caret position.
 */
export function insertReply(value, { start, end = start, fromSlash = false }, text) {
  const current = String(value ?? '');
  if (fromSlash) {
    const wordEnd = current.search(/\s|$/);
    const rest = current.slice(wordEnd).replace(/^\s+/, '');
    const next = rest ? `${text} ${rest}` : text;
    return { value: next, caret: text.length };
  }
  const next = current.slice(0, start) + text + current.slice(end);
  return { value: next, caret: start + text.length };
}

/** Client-side checks for the management form; returns `[{field, key, params}]`. */
export function validateCanned({ shortcut = '', body = '' }) {
  const failures = [];
  const cut = String(shortcut).trim().replace(/^\//, '');
  if (!cut) failures.push({ field: 'shortcut', key: 'validation.required' });
  else if (/\s/.test(cut)) failures.push({ field: 'shortcut', key: 'canned.shortcut.noSpaces' });
  else if ([...cut].length > SHORTCUT_MAX) {
    failures.push({ field: 'shortcut', key: 'validation.tooLong', params: { max: SHORTCUT_MAX } });
  }
  const text = String(body).trim();
  if (!text) failures.push({ field: 'body', key: 'validation.required' });
  else if ([...text].length > BODY_MAX) failures.push({ field: 'body', key: 'validation.tooLong', params: { max: BODY_MAX } });
  return failures;
}

/** The shortcut as stored: trimmed, without a leading "/". */
export function normalizeShortcut(shortcut) {
  return String(shortcut ?? '').trim().replace(/^\//, '');
}
