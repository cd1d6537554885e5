// Strings in the site's language (never the visitor's choice); only that language's catalog is loaded.

/** The catalog for a site setting: 'en', or else zh-CN. */
export function languageOf(setting) {
  return setting === 'en' ? 'en' : 'zh-CN';
}

/** `t(key, params)` over one catalog; `{name}` placeholders are filled, unknown keys show as themselves. */
export function translator(catalog) {
  return (key, params = {}) => (Object.hasOwn(catalog, key) ? catalog[key] : key)
    .replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** A system line: the server sends a code (`agent_joined` …) and the agent's name; unknown lines show as sent. */
export function systemLine(t, body, name) {
  const key = `sys_${body}`;
  const text = t(key, { name: name || t('agent') });
  return text === key ? body : text;
}
