// Turn an ApiError (or any thrown value) into what a form shows: a message and the field to mark.

/** Codes whose server text we replace with our own, localized wording. */
const LOCALIZED_CODES = new Set([
  'bad_credentials', 'rate_limited', 'bad_setup_code', 'setup_done', 'csrf', 'network',
  'internal', 'too_large', 'unauthenticated', 'bad_json', 'unsupported_media_type',
  'method_not_allowed',
]);

/**
 * The text to show for `error`. Specific server messages (`invalid`, `conflict`, `forbidden`, …)
 * are shown as sent; generic situations use the catalog so they read well in both languages.
 */
export function errorMessage(error, t) {
  const code = error && typeof error.code === 'string' ? error.code : null;
  if (code && LOCALIZED_CODES.has(code)) {
    if (code === 'rate_limited' && Number.isFinite(error.retryAfter) && error.retryAfter > 0) {
      return t('error.rate_limited_wait', { seconds: Math.ceil(error.retryAfter) });
    }
    return t(`error.${code}`);
  }
  if (code && typeof error.message === 'string' && error.message) return error.message;
  return t('error.generic');
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
