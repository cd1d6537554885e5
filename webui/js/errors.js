// Turn an ApiError (or any thrown value) into what a form shows: a message and the field to mark.
import { getLanguage } from './i18n.js';

/** Codes whose server text we replace with our own, localized wording. */
const LOCALIZED_CODES = new Set([
  'bad_credentials', 'rate_limited', 'bad_setup_code', 'setup_done', 'csrf', 'network',
  'internal', 'too_large', 'unauthenticated', 'bad_json', 'unsupported_media_type',
  'method_not_allowed',
]);
/** Refusals worded by what they are about: `error.<code>.<field>`, then `error.<code>`. */
const FIELD_CODES = new Set(['invalid', 'not_found', 'forbidden', 'conflict', 'too_large']);

/** A server field as the catalogue names it: "allowed_origins[2]" → "allowed_origins". */
function cleanField(field) {
  return field.replace(/\[\d+\]/g, '').split('.').filter((part) => part && !/^\d+$/.test(part)).join('.');
}

/**
 * The catalogue keys that can word `error`, most specific first: its code and whole field, its code
 * and the field's last part (for a nested field such as owner.login), its code and the field's
 * first part (custom.budget: the company's own fields), then its code alone.
 */
export function errorKeys(error) {
  const code = error && typeof error.code === 'string' && /^[a-z_]{1,40}$/.test(error.code) ? error.code : null;
  if (!code) return ['error.generic'];
  const keys = [];
  const field = typeof error.field === 'string' ? cleanField(error.field) : '';
  if (FIELD_CODES.has(code) && field) {
    keys.push(`error.${code}.${field}`);
    const parts = field.split('.');
    if (parts.length > 1) keys.push(`error.${code}.${parts[parts.length - 1]}`, `error.${code}.${parts[0]}`);
  }
  keys.push(`error.${code}`);
  return keys;
}

/** The first of `errorKeys(error)` that `has(key)` says the catalogue holds, or null. */
export function errorKey(error, has) {
  return errorKeys(error).find((key) => has(key)) ?? null;
}

/**
 * The text to show for `error`, in the UI language. A refusal about a field is worded by the
 * catalogue (the server speaks English, and names fields as the API does); one about nothing in
 * particular gets the server's own sentence in English and the catalogue's wording of its code
 * otherwise. Generic situations (network, rate limits…) always use the catalogue.
 */
export function errorMessage(error, t, lang = getLanguage()) {
  const code = error && typeof error.code === 'string' ? error.code : null;
  if (code === 'rate_limited' && Number.isFinite(error.retryAfter) && error.retryAfter > 0) {
    return t('error.rate_limited_wait', { seconds: Math.ceil(error.retryAfter) });
  }
  const keys = errorKeys(error);
  const specific = keys.slice(0, -1).find((key) => t(key) !== key);
  if (specific) return t(specific);
  if (code && LOCALIZED_CODES.has(code)) return t(`error.${code}`);
  const serverText = code && typeof error.message === 'string' ? error.message.trim() : '';
  if (serverText && lang === 'en') return serverText;
  const general = keys[keys.length - 1];
  if (general !== 'error.generic' && t(general) !== general) return t(general);
  return serverText || t('error.generic');
}

/**
 * Map a server `field` to a form field name. Accepts the exact name, a dotted path whose last part
 * is known ("owner.login" → "login"), or an alias; returns null when nothing matches.
 */
export function resolveField(field, known, aliases = {}) {
  if (typeof field !== 'string' || !field) return null;
  if (known.includes(field)) return field;
  // "allowed_origins[2]" and "allowed_origins.2" both mean the allowed_origins box.
  field = field.replace(/\[\d+\]/g, '').split('.').filter((part) => !/^\d+$/.test(part)).join('.');
  if (known.includes(field)) return field;
  if (Object.hasOwn(aliases, field)) return aliases[field];
  const last = field.split('.').pop();
  if (known.includes(last)) return last;
  return Object.hasOwn(aliases, last) ? aliases[last] : null;
}
