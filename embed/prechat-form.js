// The pre-chat form's answers, checked as the server checks `identify` (loaded with the form, in extras.js).
import { NAME_MAX, PHONE_MAX, lineError } from './offline.js';

/** The server's limits, in characters (code points). */
export const LIMITS = { name: NAME_MAX, email: 254, phone: PHONE_MAX };
// The server's one plain address (appliance/domain/validation.py): a dot-atom local part of at most
// 64 characters, then dot-separated host labels ending in a top-level name (ASCII; IDN as punycode).
const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EMAIL = new RegExp(`^(?=[^@]{1,64}@)${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+(?:[a-z][a-z0-9-]{0,61}[a-z0-9]|xn--[a-z0-9-]{1,59})$`);

const clean = (value) => String(value || '').normalize('NFC').trim();

/**
 * `{field: error}` for the answers (error: 'required', 'long', 'invalid' — control or direction
 * characters — or 'email'); empty when fine. Whether a phone is a number is the server's word
 * (libphonenumber): its refusal comes back to the form (`refusal`).
 */
export function prechatErrors(fields, values) {
  const errors = {};
  for (const { field, required } of fields) {
    const value = clean(values[field]);
    const problem = value ? lineError(value, LIMITS[field]) || (field === 'email' && !EMAIL.test(value.toLowerCase()) ? 'email' : null)
      : required && 'required';
    if (problem) errors[field] = problem;
  }
  return errors;
}

/** The error shown for an answer the server refused (`identify.<field>`). */
export function refusal(field) {
  return { phone: 'phone_number', email: 'email' }[field] || 'invalid';
}

/** The answers as `identify` fields (trimmed, empty ones left out). */
export function prechatIdentity(fields, values) {
  const identity = {};
  for (const { field } of fields) {
    const value = clean(values[field]);
    if (value) identity[field] = value;
  }
  return identity;
}
