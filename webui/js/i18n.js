// Message catalog lookup, formatting and the current UI language (zh-CN default, English switchable).
import { FEATURES } from './messages/index.js';

export const LANGUAGES = ['zh-CN', 'en'];
export const DEFAULT_LANGUAGE = 'zh-CN';
export const STORAGE_KEY = 'kefu.lang';

/**
 * Each language's catalog is put together from one part per feature of the app (messages/index.js),
 * so that no catalog file outgrows the module size limit. Parts must not share keys.
 */
export const CATALOG_PARTS = Object.fromEntries(LANGUAGES.map((lang) =>
  [lang, Object.values(FEATURES).map((feature) => feature[lang])]));

/** `{lang: {key: text}}` from `{lang: [part, …]}`; a key in two parts is a mistake, reported by its name. */
export function mergeCatalogs(parts) {
  const merged = {};
  for (const [lang, list] of Object.entries(parts)) {
    const catalog = {};
    for (const part of list) {
      for (const key of Object.keys(part)) {
        if (Object.hasOwn(catalog, key)) throw new Error(`message ${key} is in two ${lang} catalogs`);
        catalog[key] = part[key];
      }
    }
    merged[lang] = catalog;
  }
  return merged;
}

export const CATALOGS = mergeCatalogs(CATALOG_PARTS);

/** Map loose tags ("zh", "zh-cn", "en-US") to a supported language, or null. */
export function normalizeLanguage(value) {
  if (typeof value !== 'string') return null;
  const tag = value.trim().toLowerCase();
  if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  return null;
}

/** Replace `{name}` placeholders; unknown placeholders are left as they are. */
export function format(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

/** Look `key` up in `lang`, then in the default language, then fall back to the key itself. */
export function translate(catalogs, lang, key, params) {
  const catalog = catalogs[lang] || {};
  const fallback = catalogs[DEFAULT_LANGUAGE] || {};
  const template = Object.hasOwn(catalog, key) ? catalog[key]
    : Object.hasOwn(fallback, key) ? fallback[key] : key;
  return format(template, params);
}

/** The language to show: the device's stored choice, else the account's, else zh-CN. */
export function resolveLanguage({ stored = null, account = null } = {}) {
  return normalizeLanguage(stored) || normalizeLanguage(account) || DEFAULT_LANGUAGE;
}

/** The other language, for a two-way switch. */
export function otherLanguage(lang) {
  return lang === 'en' ? 'zh-CN' : 'en';
}

let current = DEFAULT_LANGUAGE;
const listeners = new Set();

export function t(key, params) {
  return translate(CATALOGS, current, key, params);
}

export function hasMessage(key) {
  return Object.hasOwn(CATALOGS[current], key) || Object.hasOwn(CATALOGS[DEFAULT_LANGUAGE], key);
}

export function getLanguage() {
  return current;
}

/**
 * `items` as one list in `lang`'s own way: "姓名、联系方式、需求" / "Name, Phone, Need"; `sentence`
 * joins the last one with a word ("姓名、联系方式和需求" / "Name, Phone, and Need") for a sentence.
 */
export function formatList(items, { lang = current, sentence = false } = {}) {
  const list = [...items].map(String);
  const options = { type: 'conjunction' };
  options.style = sentence ? 'long' : 'narrow';
  try {
    return new Intl.ListFormat(lang, options).format(list);
  } catch {
    return list.join(lang === 'en' ? ', ' : '、');
  }
}

/** Change the language; `persist` keeps the choice on this device. Listeners run on change. */
export function setLanguage(lang, { persist = false, storage = defaultStorage() } = {}) {
  const next = normalizeLanguage(lang) || DEFAULT_LANGUAGE;
  if (persist && storage) {
    try { storage.setItem(STORAGE_KEY, next); } catch { /* private mode: keep it in memory */ }
  }
  if (next === current) return;
  current = next;
  for (const listener of listeners) listener(next);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function storedLanguage(storage = defaultStorage()) {
  try { return storage ? normalizeLanguage(storage.getItem(STORAGE_KEY)) : null; } catch { return null; }
}

function defaultStorage() {
  try { return globalThis.localStorage || null; } catch { return null; }
}
