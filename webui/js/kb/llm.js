// The model endpoint's form, without the DOM: what the console sends to /api/companies/{id}/bot/llm.

/** The PATCH (or test) body from the form: the key only when one was typed or its removal asked. */
export function llmPayload(values, { removeKey = false } = {}) {
  const body = {
    enabled: values.enabled === true,
    base_url: String(values.base_url || '').trim(),
    model: String(values.model || '').trim(),
    timeout_seconds: Number(values.timeout_seconds),
    max_entries: Number(values.max_entries),
  };
  const key = String(values.api_key || '').trim();
  if (key) body.api_key = key;
  else if (removeKey) body.api_key = '';
  return body;
}

/** An address as the server compares it: trimmed, without trailing slashes. */
function address(url) {
  return String(url || '').trim().replace(/\/+$/, '');
}

/**
 * Whether saving (or testing) the form goes without the stored key: a key belongs to the address it
 * was given for, so another `base_url` with the key field left empty removes it (the server does the same).
 */
export function keyDropped(stored, values) {
  return stored.api_key_set === true && !String(values.api_key || '').trim()
    && address(values.base_url) !== address(stored.base_url);
}
