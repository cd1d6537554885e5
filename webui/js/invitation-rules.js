// Invitation rules without the DOM: the rule form's values to an API body and back, and a one-line summary.
import { SOURCE_KINDS } from './console/live-visitors.js';

export const NUMBER_CONDITIONS = ['time_on_page_seconds', 'time_on_site_seconds', 'min_visits', 'min_pages'];
export const TEXT_CONDITIONS = ['url_contains', 'title_contains', 'referrer_contains', 'keyword_contains'];

const checked = (value) => (Array.isArray(value) ? value.length > 0 : value === true);

/** Texts of a "contains" box: one a line (or separated by commas), blanks and repeats dropped. */
export function textsFrom(text) {
  const parts = String(text ?? '').split(/[\r\n,，]+/).map((part) => part.trim()).filter(Boolean);
  return [...new Set(parts)];
}

/** `conditions` for the API from the form (controls named `conditions.<name>`): only those given. */
export function conditionsFrom(values) {
  const conditions = {};
  for (const name of NUMBER_CONDITIONS) {
    const text = String(values[`conditions.${name}`] ?? '').trim();
    if (text !== '') conditions[name] = Number(text);
  }
  for (const name of TEXT_CONDITIONS) {
    const texts = textsFrom(values[`conditions.${name}`]);
    if (texts.length) conditions[name] = texts;
  }
  const kinds = (values['conditions.source_kinds'] || []).filter((kind) => SOURCE_KINDS.includes(kind));
  if (kinds.length) conditions.source_kinds = kinds;
  if (checked(values['conditions.exit_intent'])) conditions.exit_intent = true;
  return conditions;
}

/** POST/PATCH body of a rule from its form's values. */
export function ruleBody(values) {
  const number = (name, fallback) => {
    const text = String(values[name] ?? '').trim();
    return text === '' ? fallback : Number(text);
  };
  return {
    name: String(values.name ?? '').trim(),
    message: String(values.message ?? '').trim(),
    enabled: checked(values.enabled),
    priority: number('priority', 0),
    per_visit_cap: number('per_visit_cap', 1),
    per_day_cap: number('per_day_cap', 1),
    on_phones: checked(values.on_phones),
    team_id: values.team_id ? Number(values.team_id) : null,
    conditions: conditionsFrom(values),
  };
}

/** What a rule's form shows: the rule's values, or a new rule's defaults. */
export function ruleValues(rule) {
  const c = rule?.conditions || {};
  const values = {
    name: rule?.name ?? '', message: rule?.message ?? '', enabled: rule ? rule.enabled !== false : true,
    priority: String(rule?.priority ?? 0), per_visit_cap: String(rule?.per_visit_cap ?? 1),
    per_day_cap: String(rule?.per_day_cap ?? 1), on_phones: rule?.on_phones === true,
    team_id: rule?.team_id ? String(rule.team_id) : '',
    source_kinds: Array.isArray(c.source_kinds) ? c.source_kinds : [], exit_intent: c.exit_intent === true,
  };
  for (const name of NUMBER_CONDITIONS) values[name] = Number.isInteger(c[name]) ? String(c[name]) : '';
  for (const name of TEXT_CONDITIONS) values[name] = Array.isArray(c[name]) ? c[name].join('\n') : '';
  return values;
}

/** "time on page ≥ 30 s · address contains pricing" in the UI language; `t` the catalogue. */
export function conditionsSummary(conditions, t) {
  const c = conditions && typeof conditions === 'object' ? conditions : {};
  const parts = [];
  for (const name of NUMBER_CONDITIONS) if (Number.isInteger(c[name])) parts.push(t(`rules.summary.${name}`, { n: c[name] }));
  for (const name of TEXT_CONDITIONS) {
    if (Array.isArray(c[name]) && c[name].length) parts.push(t(`rules.summary.${name}`, { texts: c[name].join(' / ') }));
  }
  if (Array.isArray(c.source_kinds) && c.source_kinds.length) {
    parts.push(t('rules.summary.source_kinds', { kinds: c.source_kinds.map((kind) => t(`visitors.source.${kind}`)).join(' / ') }));
  }
  if (c.exit_intent === true) parts.push(t('rules.summary.exit_intent'));
  return parts.length ? parts.join(' · ') : t('rules.summary.always');
}
