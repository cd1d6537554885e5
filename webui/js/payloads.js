// Build API request bodies from form values (trimmed, typed, defaults filled in), without DOM access.
import { hoursFromForm } from './business-hours.js';
import { originOf, parseOrigins, PRECHAT_FIELDS } from './validation.js';
import { roleUsesSites } from './roles.js';

/**
 * Body for POST/PATCH /api/sites. A new site sends only what its short form asks for; an empty
 * allowed-origins box means "the origin of the website address", which api.md names as the default.
 * Typing preview and the pre-chat form are sent only when the form has their controls, so a
 * PATCH leaves them alone otherwise; `prechat` is the site's current `prechat_fields`, whose order
 * the form keeps.
 */
export function siteBody(values, { isNew, chooseCompany, prechat = [] }) {
  const body = { name: values.name.trim(), url: values.url.trim() };
  if (chooseCompany && values.company_id) body.company_id = Number(values.company_id);
  if (isNew) return body;
  const { origins } = parseOrigins(values.allowed_origins);
  const fallback = originOf(body.url);
  Object.assign(body, {
    display_name: values.display_name.trim(),
    logo_url: values.logo_url.trim(),
    greeting: values.greeting.trim(),
    theme_color: values.theme_color.toLowerCase(),
    widget_position: values.widget_position,
    language: values.language,
    allowed_origins: origins.length || !fallback ? origins : [fallback],
  });
  if (Object.hasOwn(values, 'typing_preview')) body.typing_preview = isChecked(values.typing_preview);
  if (PRECHAT_FIELDS.some((field) => Object.hasOwn(values, `prechat_${field}`))) {
    const choices = Object.fromEntries(PRECHAT_FIELDS.map((field) => [field, values[`prechat_${field}`]]));
    body.prechat_fields = prechatFields(choices, prechat);
  }
  return Object.assign(body, siteRoutingBody(values), siteVisitorsBody(values));
}

export const REQUIRE_IDENTITY = ['none', 'prechat', 'signed'];

/** Invitation templates as the site form's box holds them: one a line, blank lines and repeats dropped. */
export function templatesFrom(text) {
  const lines = String(text ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return [...new Set(lines)];
}

/** The visitor-tracking, identity and invitation-template fields of the site form, only those it has. */
export function siteVisitorsBody(values) {
  const body = {};
  const has = (name) => Object.hasOwn(values, name);
  if (has('track_before_chat')) body.track_before_chat = isChecked(values.track_before_chat);
  if (has('honour_dnt')) body.honour_dnt = isChecked(values.honour_dnt);
  if (has('require_identity')) body.require_identity = values.require_identity;
  if (has('invitation_templates')) body.invitation_templates = templatesFrom(values.invitation_templates);
  return body;
}

/** A select's value as an id, '' meaning none (null). */
function idOrNull(value) {
  return value ? Number(value) : null;
}

/** An optional number box: '' → null, else the number (a user's chat limit: null = company default). */
export function numberOrNull(value) {
  const text = String(value ?? '').trim();
  return text ? Number(text) : null;
}

/** The routing, business-hours and offline fields of the site form, only those it has. */
export function siteRoutingBody(values) {
  const body = {};
  const has = (name) => Object.hasOwn(values, name);
  if (has('routing_strategy')) body.routing_strategy = values.routing_strategy;
  if (has('fallback_team_id')) body.fallback_team_id = idOrNull(values.fallback_team_id);
  if (has('unanswered_seconds')) body.unanswered_seconds = Number(values.unanswered_seconds);
  if (has('hours_enabled')) body.business_hours = hoursFromForm(values).hours;
  if (has('offline_mode')) body.offline_mode = values.offline_mode;
  if (has('notify_email')) body.notify_email = values.notify_email.trim();
  return body;
}

/** A single checkbox as formValues() reads it (a list of the checked values), or a boolean. */
function isChecked(value) {
  return Array.isArray(value) ? value.length > 0 : value === true;
}

/**
 * What the pre-chat selects show for a site's `prechat_fields`: `{name, email, phone}`, each
 * 'off' (not asked), 'optional' or 'required'. Entries for unknown fields are ignored.
 */
export function prechatChoices(fields) {
  const choices = Object.fromEntries(PRECHAT_FIELDS.map((field) => [field, 'off']));
  for (const entry of Array.isArray(fields) ? fields : []) {
    if (PRECHAT_FIELDS.includes(entry?.field)) choices[entry.field] = entry.required ? 'required' : 'optional';
  }
  return choices;
}

/**
 * `prechat_fields` for the API from the selects' choices: only the fields asked, `[]` for no form.
 * Fields already in `previous` keep their order there (the API may have set one); newly asked
 * fields follow in the form's order (name, e-mail, phone).
 */
export function prechatFields(choices, previous = []) {
  const known = (Array.isArray(previous) ? previous : []).map((entry) => entry?.field);
  const order = [...new Set([...known.filter((field) => PRECHAT_FIELDS.includes(field)), ...PRECHAT_FIELDS])];
  return order
    .filter((field) => choices[field] === 'optional' || choices[field] === 'required')
    .map((field) => ({ field, required: choices[field] === 'required' }));
}

/** The allowed-origins list as the textarea shows it: one per line. */
/**
 * The address an embed snippet loads the widget from, when only this computer can reach it
 * (127.x, localhost, ::1, 0.0.0.0): visitors' browsers would never load the chat. Else null.
 */
export function localOnlyAddress(snippet) {
  const found = /["'](https?:\/\/[^"'\s]+)["']/.exec(snippet || '');
  if (!found) return null;
  let host;
  try { host = new URL(found[1]).hostname; } catch { return null; }
  const local = /^127\.\d+\.\d+\.\d+$/.test(host) || host === 'localhost' || host.endsWith('.localhost')
    || host === '[::1]' || host === '0.0.0.0';
  return local ? found[1] : null;
}

export function originsText(origins) {
  return Array.isArray(origins) ? origins.join('\n') : '';
}

/** Body for POST /api/users (new) or PATCH /api/users/{id}; managers get no site list. */
export function userBody(values, { isNew }) {
  const siteIds = roleUsesSites(values.role) ? (values.site_ids || []).map(Number) : [];
  const body = { display_name: values.display_name.trim(), role: values.role, site_ids: siteIds };
  if (values.role === 'client') body.company_id = values.company_id ? Number(values.company_id) : null;
  if (isNew) Object.assign(body, { login: values.login.trim(), password: values.password });
  else if (Object.hasOwn(values, 'max_chats')) body.max_chats = numberOrNull(values.max_chats);
  return body;
}

/** PATCH /api/companies/{id}: the name and, when the form has it, the default chat limit. */
export function companyBody(values) {
  const body = { name: values.name.trim() };
  if (Object.hasOwn(values, 'max_chats')) body.max_chats = Number(values.max_chats);
  return body;
}

/** POST /api/teams or PATCH /api/teams/{id}: '' site means every site. */
export function teamBody(values) {
  return {
    name: values.name.trim(),
    site_id: idOrNull(values.site_id),
    member_ids: (values.member_ids || []).map(Number),
  };
}

/**
 * The users a team's member checkboxes list: every active staff member, plus current members who
 * were deactivated since (shown, so that saving does not drop them unseen). Never a client
 * account: teams take chats and the server refuses one (api.md, POST /api/teams). A site's team
 * (`siteId`) takes only who serves that site — owners and admins serve every site — as the
 * server does; a shared team (`siteId` null) anyone. By name.
 */
export function teamMemberChoices(users, team = null, siteId = team?.site_id ?? null) {
  const members = new Set(team?.member_ids ?? []);
  const serves = (user) => siteId === null || ['owner', 'admin'].includes(user.role) || (user.site_ids ?? []).includes(siteId);
  return users.filter((user) => user.role !== 'client' && serves(user) && (user.active || members.has(user.id)))
    .map((user) => ({ id: user.id, name: user.display_name, active: user.active, checked: members.has(user.id) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** POST /api/sites/{id}/categories or PATCH /api/categories/{id}; '' team means no team. */
export function categoryBody(values, position) {
  return { name: values.name.trim(), team_id: idOrNull(values.team_id), position };
}

/** Where a new category goes: after the last one. */
export function nextCategoryPosition(categories) {
  return categories.reduce((last, category) => Math.max(last, category.position + 1), 0);
}

/** The usual port of each SMTP security mode. */
export const SMTP_PORTS = { none: 25, starttls: 587, tls: 465 };

/** PUT /api/settings/smtp: an empty password box keeps the stored password (sent as null). */
export function smtpBody(values) {
  return {
    host: values.host.trim(),
    port: Number(values.port),
    security: values.security,
    username: values.username.trim(),
    password: values.password ? values.password : null,
    from_address: values.from_address.trim(),
  };
}
