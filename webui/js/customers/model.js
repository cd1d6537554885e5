// Customers, leads and reports without the DOM: request bodies, the lead rule, tags, report rows.
import { errorMessage } from '../errors.js';

export const LEAD_FIELDS = ['name', 'phone', 'email', 'wechat', 'qq', 'need', 'category', 'intent', 'follow_up_date'];
export const CONTACT_FIELDS = ['phone', 'email', 'wechat', 'qq'];
export const REQUIRABLE = ['name', 'contact', 'need', 'category', 'intent', 'follow_up_date', 'phone'];
export const INTENTS = ['high', 'medium', 'low'];
export const FIELD_TYPES = ['text', 'number', 'date', 'choice'];
export const SCHEDULES = ['off', 'daily', 'weekly', 'monthly'];
/** How a recipient's schedule may be written in the settings box (English or Chinese). */
const SCHEDULE_WORDS = { daily: 'daily', weekly: 'weekly', monthly: 'monthly', 每天: 'daily', 每日: 'daily', 每周: 'weekly', 每月: 'monthly' };

/** "VIP, 老客户；抖音" → ['VIP', '老客户', '抖音'] (commas, semicolons and 、 in either script). */
export function tagsFromText(text) {
  const seen = new Set();
  for (const part of String(text ?? '').split(/[,，;；|、]/)) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** Which of the company's required lead fields are still empty ("contact": any way to reach them). */
export function missingLeadFields(fields, required) {
  return (required || []).filter((name) => {
    if (name === 'contact') return !CONTACT_FIELDS.some((key) => String(fields[key] ?? '').trim());
    return !String(fields[name] ?? '').trim();
  });
}

/** PUT /api/conversations/{id}/lead from the card's form values (every field sent, trimmed). */
export function leadBody(values) {
  const body = {};
  for (const key of LEAD_FIELDS) body[key] = String(values[key] ?? '').trim();
  return body;
}

/** A stored number (E.164) as people write it: "+8613800001111" → "138 0000 1111"; others as they are. */
export function phoneText(phone) {
  const text = String(phone ?? '');
  const china = /^\+86(1\d{10})$/.exec(text);
  if (china) return `${china[1].slice(0, 3)} ${china[1].slice(3, 7)} ${china[1].slice(7)}`;
  return text;
}

/** The card's starting values: the saved lead, else what the visitor already told. */
export function leadValues(card) {
  const source = card?.lead || card?.prefill || {};
  const values = {};
  for (const key of LEAD_FIELDS) values[key] = source[key] == null ? '' : String(source[key]);
  values.phone = phoneText(values.phone);
  return values;
}

/** POST/PATCH a customer from the profile form; custom values keyed by the company's fields. */
export function customerBody(values, customFields = []) {
  const body = {};
  for (const key of ['name', 'phone', 'email', 'wechat', 'qq', 'company', 'address']) {
    if (Object.hasOwn(values, key)) body[key] = String(values[key] ?? '').trim();
  }
  if (Object.hasOwn(values, 'tags')) body.tags = tagsFromText(values.tags);
  if (Object.hasOwn(values, 'owner_id')) body.owner_id = values.owner_id ? Number(values.owner_id) : null;
  if (customFields.length) {
    body.custom = {};
    for (const field of customFields) {
      const raw = String(values[`custom.${field.key}`] ?? '').trim();
      if (raw) body.custom[field.key] = field.type === 'number' ? Number(raw) : raw;
    }
  }
  return body;
}

/** A custom-field editor row back into the API's shape; choices one per comma. */
export function customFieldsBody(rows) {
  return rows.filter((row) => String(row.key ?? '').trim()).map((row) => {
    const field = { key: String(row.key).trim(), label: String(row.label ?? '').trim() || String(row.key).trim(),
      type: FIELD_TYPES.includes(row.type) ? row.type : 'text' };
    if (field.type === 'choice') field.choices = tagsFromText(row.choices);
    return field;
  });
}

/** Settings PATCH from the company's customers & reports form. */
export function settingsBody(values) {
  return {
    timezone: String(values.timezone ?? '').trim(),
    lead_required: values.lead_required || [],
    duplicate_days: Number(values.duplicate_days),
    report_schedule: values.report_schedule,
    report_emails: String(values.report_emails ?? '').split(/[\s,，;；]+/).map((item) => item.trim()).filter(Boolean),
    retention_days: Number(values.retention_days),
    report_recipients: recipientsFromText(values.report_recipients),
  };
}

/**
 * Per-recipient report mail from the settings box, one "address schedule" a line
 * ("li@example.com 每天", "wang@example.com, weekly"): `[{email, schedule}]`. A schedule word
 * that is not one of ours is sent as written, for the server to refuse by name.
 */
export function recipientsFromText(text) {
  return String(text ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean).map((line) => {
    const [email = '', word = ''] = line.split(/[\s,，;；]+/);
    return { email, schedule: SCHEDULE_WORDS[word.toLowerCase()] ?? word };
  });
}

/** The settings box's text of `[{email, schedule}]`. */
export function recipientsText(recipients) {
  return (recipients || []).map((item) => `${item.email} ${item.schedule}`).join('\n');
}

/** Canned replies for a conversation: the site's own first, then its company's scripts, then personal ones. */
export function orderForConversation(replies, siteId, companyId) {
  const rank = (reply) => {
    if (reply.site_id === siteId && siteId != null) return 0;
    if (reply.company_id === companyId && companyId != null) return 1;
    if (reply.site_id == null && reply.company_id == null) return 2;
    return null;
  };
  return replies.map((reply) => [rank(reply), reply]).filter(([r]) => r !== null)
    .sort(([a, x], [b, y]) => a - b || String(x.shortcut).localeCompare(String(y.shortcut)))
    .map(([, reply]) => reply);
}

/** A report breakdown as table rows `[label, leads, billable]`, labelled by `label(key)`. */
export function reportRows(items, key, label = (value) => value) {
  return (items || []).map((item) => [label(item[key]), item.leads, item.billable]);
}

/** `YYYY-MM-DD` of a Date in local time. */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The default report range: the last calendar month before `today`. */
export function lastMonth(today = new Date()) {
  const first = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  const last = new Date(today.getFullYear(), today.getMonth(), 0);
  return { from: isoDay(first), to: isoDay(last) };
}

/** The last `days` days up to and including `today` (the report's default, like the API's). */
export function lastDays(days = 30, today = new Date()) {
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: isoDay(first), to: isoDay(today) };
}

/**
 * The customer page's owner choices: nobody, then those who may own the company's customers
 * (`GET /api/agents?company_id=`). A current owner who no longer may (moved off the company) stays
 * on the list, marked, so that saving other fields keeps them; `everyone` (`GET /api/agents`) names them.
 */
export function ownerChoices(customer, owners, everyone, t) {
  const choices = owners.map((agent) => [String(agent.id), agent.display_name]);
  const current = customer.owner_id;
  if (current != null && !owners.some((agent) => agent.id === current)) {
    const name = everyone.find((agent) => agent.id === current)?.display_name || `#${current}`;
    choices.push([String(current), t('customer.owner.elsewhere', { name })]);
  }
  return [['', t('customer.noOwner')], ...choices];
}

/**
 * An audit entry's subject in the UI's language: the server writes "customer #5 张三",
 * "customer #5" or "12 customers (csv)" (docs/api.md); anything else is shown as written.
 */
export function auditSubject(subject, t) {
  const text = String(subject ?? '');
  const one = /^customer #(\d+)(?: (.+))?$/.exec(text);
  if (one) return [t('settings.audit.subject.customer', { id: one[1] }), one[2]].filter(Boolean).join(' ');
  const many = /^(\d+) customers \((\w+)\)$/.exec(text);
  if (many) return t('settings.audit.subject.customers', { n: many[1], format: many[2].toUpperCase() });
  return text;
}

/**
 * A broken row of a customer import in the UI's language: the server gives each row the `code`
 * and `field` of the refusal (docs/api.md), worded like the same refusal of the customer form
 * (its own English sentence in English).
 */
export function importRowProblem(item, t, lang) {
  const code = typeof item?.code === 'string' ? item.code : 'invalid';
  if (code === 'too_large' && !item.field) return lang === 'en' && item.message ? item.message : t('customers.import.tooManyRows');
  return errorMessage({ code, field: item?.field ?? null, message: item?.message ?? '' }, t, lang);
}

/** A refused import file (unreadable, no header…) in the UI's words; the server's reason in English. */
export function importRefusal(error, t, lang) {
  if (error?.status === 400 && error.field === 'file') {
    return t('customers.import.unreadable', { reason: lang === 'en' ? error.message || '' : '' }).trim();
  }
  return errorMessage(error, t, lang);
}
