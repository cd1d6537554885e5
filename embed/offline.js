// The leave-a-message, rating and transcript forms' rules: the server's own checks, run before sending.

export const NAME_MAX = 80;
export const PHONE_MAX = 40;
export const WECHAT_MAX = 60;
export const MESSAGE_MAX = 5000;
export const COMMENT_MAX = 500;
export const CONTACTS = ['phone', 'email', 'wechat'];
const EMAIL_MAX = 254;
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const PHONE = /^[0-9+\-() ]{3,40}$/;
// One-line fields refuse what the server does: control characters, lone surrogates, line and
// paragraph separators, and the bidirectional overrides and isolates that disguise a name.
const CONTROL = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Lengths count characters (code points), as the server does. */
const length = (text) => [...text].length;
const clean = (value) => String(value ?? '').normalize('NFC').trim();

/** 'email' when `value` is not an address the server accepts, else null. */
export function emailError(value) {
  const email = String(value ?? '').trim().toLowerCase();
  return email.length <= EMAIL_MAX && EMAIL.test(email) ? null : 'email';
}

/** 'long' over `max` characters, 'invalid' with what one line of text may not hold, else null. */
export function lineError(value, max) {
  if (length(value) > max) return 'long';
  return CONTROL.test(value) ? 'invalid' : null;
}

/**
 * `{field: error}` for the leave-a-message form (fields name, phone, email, wechat, message;
 * `contact` when none of the three ways to reach the visitor is given). Empty when fine.
 * Errors: 'required', 'long', 'invalid', 'phone', 'email', 'contact'.
 */
export function leaveErrors(values) {
  const errors = {};
  const name = clean(values.name);
  const nameError = name ? lineError(name, NAME_MAX) : 'required';
  if (nameError) errors.name = nameError;
  const phone = clean(values.phone);
  if (phone) {
    const problem = lineError(phone, PHONE_MAX) || (PHONE.test(phone) ? null : 'phone');
    if (problem) errors.phone = problem;
  }
  if (clean(values.email)) {
    const problem = emailError(values.email);
    if (problem) errors.email = problem;
  }
  const wechat = clean(values.wechat);
  if (wechat) {
    const problem = lineError(wechat, WECHAT_MAX);
    if (problem) errors.wechat = problem;
  }
  if (!CONTACTS.some((key) => clean(values[key]))) errors.contact = 'contact';
  const message = messageText(values.message);
  if (!message) errors.message = 'required';
  else if (length(message) > MESSAGE_MAX) errors.message = 'long';
  else if (message.includes('\0')) errors.message = 'invalid';
  return errors;
}

/** The body of POST /api/widget/leave-message for valid `values` (empty contacts left out). */
export function leaveBody(values) {
  const contact = {};
  for (const key of CONTACTS) {
    const value = key === 'email' ? clean(values[key]).toLowerCase() : clean(values[key]);
    if (value) contact[key] = value;
  }
  return { name: clean(values.name), contact, message: messageText(values.message) };
}

/** The form field a server error names ('contact.phone', 'message' …), or 'contact' for the rest. */
export function leaveFieldOf(serverField) {
  const field = String(serverField || '').replace(/^contact\./, '');
  return ['name', 'message', ...CONTACTS].includes(field) ? field : 'contact';
}

/** 'rating' without 1–5 stars, 'long' for a comment over 500 characters, else null. */
export function ratingError(rating, comment) {
  if (!(Number.isInteger(rating) && rating >= 1 && rating <= 5)) return 'rating';
  return length(String(comment ?? '').trim()) > COMMENT_MAX ? 'long' : null;
}

function messageText(value) {
  return String(value ?? '').replace(/\r\n/g, '\n').trim();
}
