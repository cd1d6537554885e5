// Untrusted server data made safe to show: messages, site card, links, times and sizes.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`，。！？；：、（）【】《》「」]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** Text split into `{text}` and `{text, href}` parts; only http: and https: addresses become links. */
export function linkify(text) {
  const parts = [];
  let at = 0;
  for (const match of String(text).matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, '');
    const href = safeHttpUrl(raw);
    if (!href) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: raw, href });
    at = match.index + raw.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** An absolute http(s) URL, normalised, or null. `base` resolves relative ones (a logo on the appliance). */
export function safeHttpUrl(value, base) {
  if (typeof value !== 'string' || !value) return null;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A CSS hex colour, or the fallback (the value goes into a stylesheet, so nothing else is accepted). */
export function safeColor(value, fallback = '#1f6feb') {
  return typeof value === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : fallback;
}

/** The site card from the session answer (with its availability `mode`), every field checked. */
export function normalizeSite(site, base) {
  const s = site && typeof site === 'object' ? site : {};
  return {
    name: str(s.name, 100), greeting: str(s.greeting, 500),
    logo_url: safeHttpUrl(s.logo_url, base), theme_color: safeColor(s.theme_color),
    widget_position: s.widget_position === 'left' ? 'left' : 'right',
    language: s.language === 'en' ? 'en' : 'zh-CN', typing_preview: s.typing_preview === true,
    // Blocked: the offline path, where leave.js says only that chatting is not possible.
    prechat: prechatFields(s.prechat_fields), mode: s.mode === 'blocked' ? 'leave_message' : ['leave_message', 'hidden'].includes(s.mode) ? s.mode : 'chat',
    track: s.track !== false, honour_dnt: s.honour_dnt !== false,
  };
}

/** A `message` frame as the widget keeps it, or null when it is malformed. */
export function normalizeMessage(frame) {
  if (!frame || !Number.isInteger(frame.seq) || frame.seq < 1) return null;
  const sender = frame.sender && typeof frame.sender === 'object' ? frame.sender : {};
  const type = ['visitor', 'agent', 'system', 'bot'].includes(sender.type) ? sender.type : 'system';
  const kind = ['text', 'image', 'file', 'system'].includes(frame.kind) ? frame.kind : 'text';
  return {
    conversation_id: frame.conversation_id, seq: frame.seq, id: frame.id,
    client_id: typeof frame.client_id === 'string' ? frame.client_id : null,
    kind: type === 'system' ? 'system' : kind, body: str(frame.body, 20000),
    sender: type, name: str(sender.name, 100), attachment: normalizeAttachment(frame.attachment),
    created_at: typeof frame.created_at === 'string' ? frame.created_at : null,
    // The bot's reply (bot.js checks it before use).
    bot: type === 'bot' && frame.bot && typeof frame.bot === 'object' ? frame.bot : null,
  };
}

export function normalizeAttachment(a) {
  if (!a || typeof a !== 'object' || !Number.isInteger(a.id)) return null;
  return {
    id: a.id, name: str(a.name, 255) || 'file', size: Number(a.size) || 0,
    mime: str(a.mime, 100), kind: a.kind === 'image' ? 'image' : 'file',
  };
}

/** "14:03" today, "05-01 14:03" on another day, in the visitor's time zone. */
export function formatTime(value, now = new Date()) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return date.toDateString() === now.toDateString() ? hm : `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${hm}`;
}

/** "812 B", "48 KB", "1.2 MB". */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function str(value, max) {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

// The pre-chat form's rules: which fields to ask before the first message (checking answers: prechat-form.js).
/** The site's `prechat_fields`, checked: name, email and phone, each at most once. */
export function prechatFields(value) {
  const fields = [];
  for (const f of Array.isArray(value) ? value : []) {
    if (['name', 'email', 'phone'].includes(f?.field) && !fields.some((x) => x.field === f.field)) {
      fields.push({ field: f.field, required: f.required === true });
    }
  }
  return fields;
}

/**
 * The fields to ask now: none once answered, or when the visitor already has a conversation;
 * fields the page supplied with kefu('identify') are not asked again.
 */
export function fieldsToAsk(fields, { answered, conversation, identify }) {
  if (answered || conversation) return [];
  return fields.filter((f) => !identify?.[f.field]?.trim?.()); // given as text that is not blank
}
