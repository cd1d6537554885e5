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
