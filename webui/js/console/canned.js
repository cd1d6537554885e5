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

const isPersonal = (reply) => reply.site_id == null && reply.company_id == null;

/**
 * Replies usable in a conversation of `siteId` (of company `companyId`): personal ones, the shared ones
 * of that site and the scripts (话术) of that company.
 */
export function usableIn(replies, siteId, companyId = null) {
  return replies.filter((reply) => isPersonal(reply) || (reply.site_id != null && reply.site_id === siteId)
    || (reply.company_id != null && reply.company_id === companyId));
}

/** 0 for the site's own replies, 1 for its company's scripts, 2 for personal ones. */
function scopeRank(reply, scope) {
  if (!scope) return 0;
  if (reply.site_id != null && reply.site_id === scope.siteId) return 0;
  if (reply.company_id != null && reply.company_id === scope.companyId) return 1;
  return 2;
}

/**
 * Replies matching `query`: shortcuts starting with it first, then shortcuts containing it, then
 * bodies containing it; case-insensitive. With a `scope` ({siteId, companyId}) the conversation's
 * site and company come first within each group (an outsourced desk sees that client's scripts
 * first); then alphabetical.
 */
export function filterCanned(replies, query = '', scope = null) {
  const q = String(query).toLowerCase();
  const rank = (reply) => {
    const shortcut = String(reply.shortcut).toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q)) return 1;
    return String(reply.body).toLowerCase().includes(q) ? 2 : 3;
  };
  return replies.map((reply) => [rank(reply), reply]).filter(([score]) => score < 3)
    .sort(([a, x], [b, y]) => a - b || scopeRank(x, scope) - scopeRank(y, scope)
      || String(x.shortcut).localeCompare(String(y.shortcut)))
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
