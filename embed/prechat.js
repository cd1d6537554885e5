// The pre-chat form's rules: which fields to ask before the first message (checking answers: prechat-form.js).

export const FIELDS = { name: 80, email: 200, phone: 40 };

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
