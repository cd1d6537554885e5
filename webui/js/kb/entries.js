// Knowledge-base forms without the DOM: entry and synonym checks, phrasings from lines, query strings.
import { hasControlChars, length } from '../validation.js';

/** The server's limits (services/kb.py). */
export const KB_LIMITS = {
  questionMax: 200, phrasingsMax: 50, answerMax: 10000, categoryMax: 40,
  termsMin: 2, termsMax: 30, termMax: 40, textMax: 2000, botNameMax: 40, pageSize: 50,
};
export const BOT_MODES = ['off', 'first', 'offline'];
/** The name the bot goes by when a site leaves it empty, per site language (the server's bot_chat.DEFAULT_NAMES). */
export const DEFAULT_BOT_NAMES = { 'zh-CN': '智能助理', en: 'Assistant' };

/** The bot name a site of `language` gets when it names none. */
export function defaultBotName(language) {
  return DEFAULT_BOT_NAMES[language] || DEFAULT_BOT_NAMES['zh-CN'];
}
export const IMPORT_FORMATS = ['csv', 'xlsx', 'jsonl'];
export const IMPORT_MODES = ['append', 'replace'];

/** Phrasings typed one per line: trimmed, empty lines and repeats dropped, order kept. */
export function phrasingsFromText(text) {
  const seen = new Set();
  for (const line of String(text ?? '').split(/\r?\n|\r/)) {
    const phrasing = line.trim().replace(/\s+/g, ' ');
    if (phrasing) seen.add(phrasing);
  }
  return [...seen];
}

/** Synonyms typed as "发票, 开票、invoice" (commas, 、, semicolons or lines between): distinct terms. */
export function termsFromText(text) {
  const seen = new Set();
  for (const part of String(text ?? '').split(/[,，、;；\r\n]+/)) {
    const term = part.trim().replace(/\s+/g, ' ');
    if (term) seen.add(term);
  }
  return [...seen];
}

function checkLine(value, max, { required = true } = {}) {
  const text = String(value ?? '').trim();
  if (!text) return required ? { key: 'validation.required' } : null;
  if (length(text) > max) return { key: 'validation.tooLong', params: { max } };
  return hasControlChars(text) ? { key: 'validation.controlChars' } : null;
}

/**
 * `{question, phrasings (text, one per line), answerLength, answerEmpty, category}` →
 * failures `[{field, key, params}]` in form order.
 */
export function validateEntry(v) {
  const failures = [];
  const add = (field, failure) => failure && failures.push({ field, ...failure });
  add('question', checkLine(v.question, KB_LIMITS.questionMax));
  const phrasings = phrasingsFromText(v.phrasings);
  if (phrasings.length > KB_LIMITS.phrasingsMax) {
    add('phrasings', { key: 'kb.phrasings.tooMany', params: { max: KB_LIMITS.phrasingsMax } });
  } else {
    const long = phrasings.find((p) => checkLine(p, KB_LIMITS.questionMax));
    if (long) add('phrasings', { key: 'kb.phrasings.tooLong', params: { max: KB_LIMITS.questionMax } });
  }
  if (v.answerEmpty) add('answer', { key: 'validation.required' });
  else if (v.answerLength > KB_LIMITS.answerMax) add('answer', { key: 'validation.tooLong', params: { max: KB_LIMITS.answerMax } });
  add('category', checkLine(v.category, KB_LIMITS.categoryMax, { required: false }));
  return failures;
}

/** A synonym group typed as text → failures (2–30 distinct terms of at most 40 characters). */
export function validateTerms(text) {
  const terms = termsFromText(text);
  if (terms.length < KB_LIMITS.termsMin) return [{ field: 'terms', key: 'kb.synonyms.tooFew' }];
  if (terms.length > KB_LIMITS.termsMax) return [{ field: 'terms', key: 'kb.synonyms.tooMany', params: { max: KB_LIMITS.termsMax } }];
  if (terms.some((term) => checkLine(term, KB_LIMITS.termMax))) {
    return [{ field: 'terms', key: 'kb.synonyms.termTooLong', params: { max: KB_LIMITS.termMax } }];
  }
  return [];
}

/** The query of `GET …/kb/entries` for the list's filters (empty ones left out). */
export function entriesQuery({ q = '', category = '', siteId = '', offset = 0, limit = KB_LIMITS.pageSize } = {}) {
  const params = new URLSearchParams();
  if (String(q).trim()) params.set('q', String(q).trim());
  if (category) params.set('category', category);
  if (siteId !== '' && siteId !== null && siteId !== undefined) params.set('site_id', String(siteId));
  params.set('offset', String(Math.max(0, Number(offset) || 0)));
  params.set('limit', String(limit));
  return params.toString();
}

/** `{from, to, total, hasPrevious, hasNext, previous, next}` of one page of a list. */
export function pageOf(offset, shown, total, size = KB_LIMITS.pageSize) {
  return {
    from: shown ? offset + 1 : 0, to: offset + shown, total,
    hasPrevious: offset > 0, hasNext: offset + shown < total,
    previous: Math.max(0, offset - size), next: offset + size,
  };
}

/** The path of an import request. `format` '' lets the server go by the file's extension. */
export function importPath(companyId, { format = '', mode = 'append', dryRun = false } = {}) {
  const params = new URLSearchParams();
  if (IMPORT_FORMATS.includes(format)) params.set('format', format);
  params.set('mode', IMPORT_MODES.includes(mode) ? mode : 'append');
  params.set('dry_run', dryRun ? '1' : '0');
  return `/api/companies/${Number(companyId)}/kb/import?${params}`;
}

/** A 0..1 confidence or coverage as a whole percentage, e.g. 0.873 → "87%". */
export function percent(value) {
  const number = Number(value);
  return `${Math.round(Math.min(1, Math.max(0, Number.isFinite(number) ? number : 0)) * 100)}%`;
}

const ROW_FIELDS = ['question', 'phrasings', 'answer', 'category', 'enabled', 'site_id'];

/**
 * The entry field a broken import row's problem is about ("answer is required" → "answer"), so
 * that the UI can word it in its own language; null when the message names none.
 */
export function rowErrorField(message) {
  const first = /^([a-z_]+)\b/.exec(String(message ?? ''))?.[1];
  return ROW_FIELDS.includes(first) ? first : null;
}
