// Build API request bodies from form values (trimmed, typed, defaults filled in), without DOM access.
import { originOf, parseOrigins } from './validation.js';
import { roleUsesSites } from './roles.js';

/**
 * Body for POST/PATCH /api/sites. A new site sends only what its short form asks for; an empty
 * allowed-origins box means "the origin of the website address", which api.md names as the default.
 */
export function siteBody(values, { isNew, chooseCompany }) {
  const body = { name: values.name.trim(), url: values.url.trim() };
  if (chooseCompany && values.company_id) body.company_id = Number(values.company_id);
  if (isNew) return body;
  const { origins } = parseOrigins(values.allowed_origins);
  const fallback = originOf(body.url);
  return {
    ...body,
    display_name: values.display_name.trim(),
    logo_url: values.logo_url.trim(),
    greeting: values.greeting.trim(),
    theme_color: values.theme_color.toLowerCase(),
    widget_position: values.widget_position,
    language: values.language,
    allowed_origins: origins.length || !fallback ? origins : [fallback],
  };
}

/** The allowed-origins list as the textarea shows it: one per line. */
export function originsText(origins) {
  return Array.isArray(origins) ? origins.join('\n') : '';
}

/** Body for POST /api/users (new) or PATCH /api/users/{id}; managers get no site list. */
export function userBody(values, { isNew }) {
  const siteIds = roleUsesSites(values.role) ? (values.site_ids || []).map(Number) : [];
  const body = { display_name: values.display_name.trim(), role: values.role, site_ids: siteIds };
  if (isNew) Object.assign(body, { login: values.login.trim(), password: values.password });
  return body;
}
