// The pre-chat form's rules: which fields to ask before the first message, and checking the answers.

const FIELDS = { name: 80, email: 200, phone: 40 };

/** The site's `prechat_fields`, checked: at most 3 of name, email, phone, each once. */
export function prechatFields(value) {
  const seen = new Set();
  const fields = [];
  for (const f of Array.isArray(value) ? value : []) {
    if (!f || !Object.hasOwn(FIELDS, f.field) || seen.has(f.field) || fields.length >= 3) continue;
    seen.add(f.field);
    fields.push({ field: f.field, required: f.required === true });
  }
  return fields;
}

/**
 * The fields to ask now: none once answered, or when the visitor already has a conversation;
 * fields the page supplied with kefu('identify') are not asked again.
 */
export function fieldsToAsk(fields, { answered, conversation, identify }) {
  if (answered || conversation) return [];
  return fields.filter((f) => !(identify && typeof identify[f.field] === 'string' && identify[f.field].trim()));
}

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
