// Client-side form checks mirroring the field limits in docs/api.md; the server stays the authority.
// Each check returns null or `{key, params}` naming a catalog message; validators return a list of
// `{field, key, params}` in form order.
import { hoursFromForm } from './business-hours.js';

export const LIMITS = {
  loginMin: 3, loginMax: 100, nameMax: 80, passwordMin: 8, passwordMax: 256,
  urlMax: 500, greetingMax: 500, originsMax: 50, emailMax: 254, categoryNameMax: 40,
  maxChatsMin: 1, maxChatsMax: 30, unansweredMin: 10, unansweredMax: 3600, hostMax: 253, smtpUserMax: 200,
};

export const POSITIONS = ['right', 'left'];
export const SITE_LANGUAGES = ['zh-CN', 'en'];
/** What a pre-chat form may ask, in the order the form shows it, and how each can be asked. */
export const PRECHAT_FIELDS = ['name', 'email', 'phone'];
export const PRECHAT_CHOICES = ['off', 'optional', 'required'];
/** How a site hands new chats to agents, and what its widget does when nobody can answer. */
export const ROUTING_STRATEGIES = ['least_busy', 'round_robin', 'previous_first', 'manual'];
export const OFFLINE_MODES = ['leave_message', 'hide'];
export const SMTP_SECURITY = ['starttls', 'tls', 'none'];

/** Length in code points, as the server (Python) counts it. */
export function length(value) {
  return [...String(value ?? '')].length;
}

export function hasControlChars(value) {
  return /[\u0000-\u001f\u007f-\u009f]/.test(value);
}

export function checkLogin(value) {
  const login = String(value ?? '').trim();
  if (!login) return { key: 'validation.required' };
  if (length(login) < LIMITS.loginMin || length(login) > LIMITS.loginMax) {
    return { key: 'validation.loginLength', params: { min: LIMITS.loginMin, max: LIMITS.loginMax } };
  }
  const email = /^[^\s@]+@[^\s@]+$/u.test(login);
  const plain = /^[\p{L}\p{N}._-]+$/u.test(login);
  return email || plain ? null : { key: 'validation.loginChars' };
}

/** Display names, company names and site names: 1–80 characters after trimming. */
export function checkName(value) {
  const name = String(value ?? '').trim();
  if (!name) return { key: 'validation.required' };
  return checkOptionalName(name);
}

/** The site's display name for the widget: may be empty. */
export function checkOptionalName(value) {
  const name = String(value ?? '').trim();
  if (length(name) > LIMITS.nameMax) return { key: 'validation.tooLong', params: { max: LIMITS.nameMax } };
  return hasControlChars(name) ? { key: 'validation.controlChars' } : null;
}

export function checkPassword(value) {
  const password = String(value ?? '');
  if (!password) return { key: 'validation.required' };
  if (length(password) < LIMITS.passwordMin) {
    return { key: 'validation.passwordShort', params: { min: LIMITS.passwordMin } };
  }
  if (length(password) > LIMITS.passwordMax) {
    return { key: 'validation.tooLong', params: { max: LIMITS.passwordMax } };
  }
  return null;
}

export function checkPasswordRepeat(password, repeat) {
  return password === repeat ? null : { key: 'validation.passwordMismatch' };
}

/** Whether `value` is an absolute http(s) URL; returns the parsed URL or null. */
export function parseHttpUrl(value) {
  const text = String(value ?? '').trim();
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url : null;
  } catch {
    return null;
  }
}

/** The string for a link, only if it is http(s); anything else (javascript:, data:) gives null. */
export function safeHttpUrl(value) {
  const url = parseHttpUrl(value);
  return url ? url.href : null;
}

export function checkHttpUrl(value, { optional = false } = {}) {
  const text = String(value ?? '').trim();
  if (!text) return optional ? null : { key: 'validation.required' };
  if (length(text) > LIMITS.urlMax) return { key: 'validation.tooLong', params: { max: LIMITS.urlMax } };
  return parseHttpUrl(text) ? null : { key: 'validation.httpUrl' };
}

/** `scheme://host[:port]` of an http(s) URL, or null. */
export function originOf(value) {
  const url = parseHttpUrl(value);
  return url ? url.origin : null;
}

/**
 * Parse the allowed-origins box (one per line, blank lines ignored, a trailing slash forgiven).
 * Returns `{origins, error}`; `error` names the first bad line.
 */
export function parseOrigins(text) {
  const lines = String(text ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const origins = [];
  for (const line of lines) {
    const origin = line.replace(/\/$/, '');
    if (!/^https?:\/\/[^\s/?#@]+$/i.test(origin) || !parseHttpUrl(origin)) {
      return { origins, error: { key: 'validation.origin', params: { value: line } } };
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  if (origins.length > LIMITS.originsMax) {
    return { origins, error: { key: 'validation.tooManyOrigins', params: { max: LIMITS.originsMax } } };
  }
  return { origins, error: null };
}

export function checkThemeColor(value) {
  return /^#[0-9a-fA-F]{6}$/.test(String(value ?? '')) ? null : { key: 'validation.color' };
}

export function checkGreeting(value) {
  return length(value) > LIMITS.greetingMax
    ? { key: 'validation.tooLong', params: { max: LIMITS.greetingMax } } : null;
}

/** An e-mail address as the server accepts it (something@domain.tld, no spaces). */
export function checkEmail(value, { optional = false } = {}) {
  const text = String(value ?? '').trim();
  if (!text) return optional ? null : { key: 'validation.required' };
  if (length(text) > LIMITS.emailMax) return { key: 'validation.tooLong', params: { max: LIMITS.emailMax } };
  return /^[^\s@]+@[^\s@]+$/.test(text) ? null : { key: 'validation.email' };
}

/** A whole number from `min` to `max` typed into a box; empty is allowed only when `optional`. */
export function checkWholeNumber(value, min, max, { optional = false } = {}) {
  const text = String(value ?? '').trim();
  if (!text) return optional ? null : { key: 'validation.required' };
  const number = Number(text);
  return /^\d+$/.test(text) && number >= min && number <= max
    ? null : { key: 'validation.range', params: { min, max } };
}

export function checkChoice(value, choices) {
  return choices.includes(value) ? null : { key: 'validation.choice' };
}

/** Run `[field, error]` pairs and keep the failures, in order. */
function collect(pairs) {
  return pairs.filter(([, error]) => error).map(([field, error]) => ({ field, ...error }));
}

export function validateSetup(v) {
  return collect([
    ['setup_code', String(v.setup_code ?? '').trim() ? null : { key: 'validation.required' }],
    ['company_name', checkName(v.company_name)],
    ['login', checkLogin(v.login)],
    ['display_name', checkName(v.display_name)],
    ['password', checkPassword(v.password)],
    ['password2', checkPasswordRepeat(v.password, v.password2)],
    ['site_name', checkName(v.site_name)],
    ['site_url', checkHttpUrl(v.site_url)],
  ]);
}

export function validateLogin(v) {
  return collect([
    ['login', String(v.login ?? '').trim() ? null : { key: 'validation.required' }],
    ['password', v.password ? null : { key: 'validation.required' }],
  ]);
}

export function validateSite(v) {
  return collect([
    ['name', checkName(v.name)],
    ['url', checkHttpUrl(v.url)],
    ['display_name', checkOptionalName(v.display_name)],
    ['logo_url', checkHttpUrl(v.logo_url, { optional: true })],
    ['greeting', checkGreeting(v.greeting)],
    ['theme_color', checkThemeColor(v.theme_color)],
    ['widget_position', checkChoice(v.widget_position, POSITIONS)],
    ['language', checkChoice(v.language, SITE_LANGUAGES)],
    ['allowed_origins', parseOrigins(v.allowed_origins).error],
    // The pre-chat selects exist only on an existing site's form.
    ...PRECHAT_FIELDS.map((field) => `prechat_${field}`)
      .map((name) => [name, Object.hasOwn(v, name) ? checkChoice(v[name], PRECHAT_CHOICES) : null]),
    ...validateSiteRouting(v),
  ]);
}

/** The routing, hours and offline controls of an existing site's form (each only when present). */
function validateSiteRouting(v) {
  const has = (name) => Object.hasOwn(v, name);
  const pairs = [
    ['routing_strategy', has('routing_strategy') ? checkChoice(v.routing_strategy, ROUTING_STRATEGIES) : null],
    ['unanswered_seconds', has('unanswered_seconds')
      ? checkWholeNumber(v.unanswered_seconds, LIMITS.unansweredMin, LIMITS.unansweredMax) : null],
  ];
  if (has('hours_enabled')) {
    const { error } = hoursFromForm(v);
    pairs.push([error?.field ?? 'hours_timezone', error && { key: error.key, params: error.params }]);
  }
  pairs.push(['offline_mode', has('offline_mode') ? checkChoice(v.offline_mode, OFFLINE_MODES) : null]);
  pairs.push(['notify_email', has('notify_email') ? checkEmail(v.notify_email, { optional: true }) : null]);
  return pairs;
}

export function validateUser(v, { isNew }) {
  return collect([
    ['login', isNew ? checkLogin(v.login) : null],
    ['display_name', checkName(v.display_name)],
    ['role', v.role ? null : { key: 'validation.required' }],
    ['password', isNew ? checkPassword(v.password) : null],
    ['max_chats', checkWholeNumber(v.max_chats, LIMITS.maxChatsMin, LIMITS.maxChatsMax, { optional: true })],
  ]);
}

export function validatePasswordChange(v) {
  return collect([
    ['current_password', v.current_password ? null : { key: 'validation.required' }],
    ['new_password', checkPassword(v.new_password)],
    ['new_password2', checkPasswordRepeat(v.new_password, v.new_password2)],
  ]);
}

export function validateProfile(v) {
  return collect([
    ['display_name', checkName(v.display_name)],
    ['language', checkChoice(v.language, SITE_LANGUAGES)],
  ]);
}

export function validateCompany(v) {
  return collect([
    ['name', checkName(v.name)],
    ['max_chats', Object.hasOwn(v, 'max_chats')
      ? checkWholeNumber(v.max_chats, LIMITS.maxChatsMin, LIMITS.maxChatsMax) : null],
  ]);
}

export function validateTeam(v) {
  return collect([['name', checkName(v.name)]]);
}

export function validateCategory(v) {
  const name = String(v.name ?? '').trim();
  return collect([['name', name && length(name) > LIMITS.categoryNameMax
    ? { key: 'validation.tooLong', params: { max: LIMITS.categoryNameMax } } : checkName(name)]]);
}

/** The mail-server form; the password may stay empty (keep the stored one). */
export function validateSmtp(v) {
  const host = String(v.host ?? '').trim();
  return collect([
    ['host', !host ? { key: 'validation.required' }
      : length(host) > LIMITS.hostMax ? { key: 'validation.tooLong', params: { max: LIMITS.hostMax } }
        : /[\s/@]/.test(host) ? { key: 'validation.host' } : null],
    ['port', checkWholeNumber(v.port, 1, 65535)],
    ['security', checkChoice(v.security, SMTP_SECURITY)],
    ['username', length(String(v.username ?? '').trim()) > LIMITS.smtpUserMax
      ? { key: 'validation.tooLong', params: { max: LIMITS.smtpUserMax } } : null],
    ['password', length(v.password) > 500 ? { key: 'validation.tooLong', params: { max: 500 } } : null],
    ['from_address', checkEmail(v.from_address)],
  ]);
}
