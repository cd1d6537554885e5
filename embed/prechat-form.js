// The pre-chat form's answers, checked as the server checks them (loaded with the form, in extras.js).
import { FIELDS } from './format.js';

/** `{field: error}` for the answers (error: 'required', 'long' or 'email'); empty when fine. */
export function prechatErrors(fields, values) {
  const errors = {};
  for (const { field, required } of fields) {
    const value = String(values[field] || '').trim();
    if (!value) {
      if (required) errors[field] = 'required';
    } else if (value.length > FIELDS[field]) {
      errors[field] = 'long';
    } else if (field === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) {
      errors[field] = 'email';
    }
  }
  return errors;
}

/** The answers as `identify` fields (trimmed, empty ones left out). */
export function prechatIdentity(fields, values) {
  const identity = {};
  for (const { field } of fields) {
    const value = String(values[field] || '').trim();
    if (value) identity[field] = value;
  }
  return identity;
}
