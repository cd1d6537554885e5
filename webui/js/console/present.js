// Text the console shows for conversations, messages and visitors (names, previews, times, sizes).
import { originOf, safeHttpUrl } from '../validation.js';

const PREVIEW_MAX = 80;
/** Codes a `system` message carries in its body (protocol.md, "System lines"). */
export const SYSTEM_CODES = ['agent_joined', 'transferred', 'closed', 'reopened'];

/** The visitor's name, or "访客 #17" when they gave none. `t` is the catalog lookup. */
export function visitorName(visitor, t) {
  const name = typeof visitor?.name === 'string' ? visitor.name.trim() : '';
  return name || t('console.visitorNumber', { id: visitor?.id ?? '?' });
}

function collapse(text) {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

function clip(text, max = PREVIEW_MAX) {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** A system line in words: "小李 joined" from `{body: 'agent_joined', sender: {name: '小李'}}`. */
export function systemText(message, t) {
  const code = message?.body;
  if (!SYSTEM_CODES.includes(code)) return collapse(code);
  const name = senderName(message.sender, t);
  // Handed to nobody in particular: its agent was gone and it went back to the queue.
  if (code === 'transferred' && !name) return t('console.system.requeued');
  return t(`console.system.${code}`, { name: name || t('console.system.someone') });
}

/**
 * A sender's name as stored, except a visitor who gave none: the server names them "访客17"
 * (as customers and transcripts keep it) on their messages and on the line of a chat they
 * ended (a system line about no agent); the console says it in its own language.
 */
export function senderName(sender, t) {
  const name = collapse(sender?.name);
  const numbered = /^访客(\d+)$/.exec(name);
  const aboutVisitor = sender?.type === 'visitor' || (sender?.type === 'system' && sender.id == null);
  return numbered && aboutVisitor ? visitorName({ id: Number(numbered[1]), name: '' }, t) : name;
}

/**
 * Whose chat a list item names: `{agentId, past}` for a colleague's live chat (`past` false: "小王
 * 接待中") or anyone's closed one (`past` true: served by them, whoever they are), else null.
 */
export function listedAgent(conversation, meId) {
  const agentId = conversation.assignee_id ?? null;
  if (agentId === null) return null;
  if (conversation.status === 'closed') return { agentId, past: true };
  return agentId === meId ? null : { agentId, past: false };
}

/** The unread badge of a list item: none once the chat is closed (nobody will answer it there). */
export function listedUnread(conversation) {
  return conversation.status === 'closed' ? 0 : Math.max(0, conversation.unread ?? 0);
}

/** One line for a conversation list: "[图片]", "[文件] a.pdf", "[备注] …" or the text itself. */
export function previewText(message, t) {
  if (!message) return '';
  const body = collapse(message.body);
  switch (message.kind) {
    case 'image': return clip(body ? `${t('console.preview.image')} ${body}` : t('console.preview.image'));
    case 'file': return clip(`${t('console.preview.file')} ${body || collapse(message.attachment?.name)}`.trim());
    case 'note': return clip(`${t('console.preview.note')} ${body}`);
    case 'system': return clip(systemText(message, t));
    default: return clip(body);
  }
}

function toDate(iso) {
  const date = new Date(iso ?? '');
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Local calendar day of a timestamp ("2026-11-24"), to group messages by day. */
export function dayKey(iso) {
  const date = toDate(iso);
  if (!date) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "14:05" today, "11-20 14:05" this year, "2025-11-20" before. */
export function formatClock(iso, { now = new Date(), locale = 'zh-CN' } = {}) {
  const date = toDate(iso);
  if (!date) return '';
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (dayKey(iso) === dayKey(now.toISOString())) return time;
  if (date.getFullYear() === now.getFullYear()) {
    return `${date.toLocaleDateString(locale, { month: '2-digit', day: '2-digit' })} ${time}`;
  }
  return date.toLocaleDateString(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
}

/**
 * Full date and time, for tooltips and the visitor sidebar: in the browser's time zone, or in
 * `timeZone` (an IANA name: a company's, as its reports count days; an unknown one falls back
 * to the browser's).
 */
export function formatDateTime(iso, locale = 'zh-CN', timeZone = null) {
  const date = toDate(iso);
  if (!date) return '';
  if (timeZone) {
    try {
      return date.toLocaleString(locale, { hour12: false, timeZone });
    } catch {
      // RangeError: not a zone this browser knows
    }
  }
  return date.toLocaleString(locale, { hour12: false });
}

/** "980 B", "48 KB", "1.5 MB". */
export function formatSize(bytes) {
  const size = Number(bytes);
  if (!Number.isFinite(size) || size < 0) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** "Chrome · Windows · Desktop" from a Visitor's `device`. */
export function deviceText(device) {
  return ['browser', 'os', 'device'].map((key) => collapse(device?.[key])).filter(Boolean).join(' · ');
}

/** An address usable as a link (http/https only), or null: page URLs and referrers are untrusted. */
export function linkable(url) {
  return typeof url === 'string' && url ? safeHttpUrl(url) : null;
}

/**
 * A page of the visitor's site as a link, or null: an http(s) address of one of the site's allowed
 * origins (as the browser reads it) only. The server records no other page, but a visitor reports
 * it, so the console checks again: a page is never a link to another site (phishing aimed at agents).
 */
export function sitePageLink(url, site) {
  const href = linkable(url);
  const origins = Array.isArray(site?.allowed_origins) ? site.allowed_origins : [];
  if (!href) return null;
  const origin = originOf(href);
  return origin && origins.some((allowed) => originOf(allowed) === origin) ? href : null;
}

/** The download/view address of an attachment, built from its id only (never a server-sent URL). */
export function attachmentUrl(attachment) {
  const id = Number(attachment?.id);
  return Number.isInteger(id) && id > 0 ? `/api/attachments/${id}` : null;
}

/**
 * A search hit's body cut around the first match, as `[{text, match}]` parts to render as text
 * with the matches marked.
 */
export function snippetParts(body, query, radius = 30) {
  const text = collapse(body);
  const needle = collapse(query).toLowerCase();
  const at = needle ? text.toLowerCase().indexOf(needle) : -1;
  if (at < 0) return [{ text: clip(text, radius * 3), match: false }];
  const start = Math.max(0, at - radius);
  const end = Math.min(text.length, at + needle.length + radius);
  const parts = [];
  const prefix = (start > 0 ? '…' : '') + text.slice(start, at);
  if (prefix) parts.push({ text: prefix, match: false });
  parts.push({ text: text.slice(at, at + needle.length), match: true });
  const suffix = text.slice(at + needle.length, end) + (end < text.length ? '…' : '');
  if (suffix) parts.push({ text: suffix, match: false });
  return parts;
}

/** The name visitors see for a site (what `{site_name}` fills in): its display name, else the company's, else its own. */
export function siteVisibleName(site, company) {
  return collapse(site?.display_name) || collapse(company?.name) || collapse(site?.name);
}

/**
 * A site's business card as the console shows it beside each chat: the name visitors see, the
 * site's own name, its colour (only a valid `#rrggbb`), a text colour that reads on it, its logo
 * (http(s) only) and an initial for when there is no logo.
 */
export function siteCard(site, company) {
  if (!site) return null;
  const color = /^#[0-9a-f]{6}$/i.test(site.theme_color || '') ? site.theme_color.toLowerCase() : '#5f6777';
  const name = siteVisibleName(site, company) || `#${site.id}`;
  return {
    id: site.id, name, siteName: collapse(site.name), color, ink: readableOn(color),
    logo: linkable(site.logo_url), initial: [...name][0].toUpperCase(),
  };
}

/** Black or white, whichever reads better on `color` (#rrggbb), by WCAG relative luminance. */
export function readableOn(color) {
  const channels = [1, 3, 5].map((at) => parseInt(color.slice(at, at + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}

/** Whole minutes in `ms` (rounded down), or null when unknown. */
export function wholeMinutes(ms) {
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 60000) : null;
}

/** "第 2 位 · 等待 3 分钟" from `engine.queueOf(id)`; just the wait when the place is unknown. */
export function queueText(queue, t) {
  if (!queue) return '';
  const minutes = wholeMinutes(queue.waitedMs) ?? 0;
  if (queue.position > 0) return t('console.queue.line', { position: queue.position, minutes });
  return t('console.queue.waited', { minutes });
}

/** The expected wait as a tooltip ("预计还需约 5 分钟"), or '' when the server gave none. */
export function queueEstimate(queue, t) {
  const seconds = queue?.estimatedWaitSeconds;
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  return t('console.queue.estimate', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
}

/** "★★★★☆" for a 1–5 rating, or '' when there is none. */
export function ratingStars(rating) {
  const value = Number(rating);
  if (!Number.isInteger(value) || value < 1 || value > 5) return '';
  return '★'.repeat(value) + '☆'.repeat(5 - value);
}
