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

const TEST_FAILURES = ['timeout', 'unreachable', 'malformed', 'not_configured', 'too_large'];

/**
 * A "test connection" answer worded: `{ok, lead, detail}`. The lead is a sentence per outcome
 * (connected, cannot connect, timed out, HTTP error n, an answer not in the expected form); the
 * server's `message` is the model's reply when it worked, else a technical detail (an exception's
 * name, the endpoint's error text) shown after the lead, smaller, never as if the model said it.
 */
export function llmTestText(test, t) {
  const ok = test.ok === true;
  const message = String(test.message ?? '').trim();
  const http = /^http_(\d{3})$/.exec(String(test.status ?? ''));
  let lead;
  if (ok) lead = t('kb.llm.test.ok', { ms: test.latency_ms });
  else if (http) lead = t('kb.llm.test.http', { code: http[1] });
  else if (TEST_FAILURES.includes(test.status)) lead = t(`kb.llm.test.${test.status}`);
  else lead = t('kb.llm.test.failed', { status: test.status });
  const detail = !message ? null : ok ? t('kb.llm.test.said', { message }) : t('kb.llm.test.detail', { detail: message });
  return { ok, lead, detail };
}
