// Reports without the DOM: which kinds a role sees, the query, filter choices, and report errors worded.
import { addDays } from './dates.js';

export const KINDS = ['traffic', 'chats', 'agents', 'conversion'];
/** The client portal offers these (api.md: no agents report there). */
export const PORTAL_KINDS = ['traffic', 'chats', 'conversion'];
export const GRAINS = ['day', 'week', 'month'];
/** The server's longest range (api.md "Reports": more than 731 days apart is refused). */
export const MAX_DAYS = 731;
const FILTERS = ['site_id', 'team_id', 'agent_id'];
const REPORT_FIELDS = ['from', 'to', 'grain', ...FILTERS, 'table', 'format', 'company_id'];

/** The report kinds `role` may open (the server decides again): agents their own chats and agents rows. */
export function kindsFor(role, { portal = false } = {}) {
  if (portal || role === 'client') return PORTAL_KINDS;
  if (role === 'agent') return ['chats', 'agents'];
  return KINDS;
}

/** Which filters a kind takes from a role: traffic and conversion are per site only; agents are always themselves. */
export function filtersFor(kind, role) {
  if (kind === 'traffic' || kind === 'conversion') return ['site_id'];
  if (role === 'agent') return ['site_id'];
  if (role === 'client') return ['site_id'];
  return FILTERS;
}

/** The query of a report: the range, the grain and the filters this kind takes (empty ones left out). */
export function reportQuery(kind, state, role) {
  const query = new URLSearchParams({ from: state.from, to: state.to, grain: state.grain || 'day' });
  for (const name of filtersFor(kind, role)) {
    const value = state[name];
    if (value !== null && value !== undefined && value !== '') query.set(name, String(value));
  }
  return query;
}

/** The last day a report covers: its `to` is exclusive (the day after). */
export function lastDayOf(report) {
  return addDays(report.to, -1);
}

/**
 * The filter choices within one company, from what the caller may read: its sites, the teams
 * of those sites plus shared teams, and the agents serving any of those sites.
 */
export function filterChoices(companyId, { sites = [], teams = [], agents = [] }) {
  const ownSites = sites.filter((site) => site.company_id === companyId);
  const siteIds = new Set(ownSites.map((site) => site.id));
  return {
    sites: ownSites.map((site) => ({ id: site.id, name: site.name })),
    teams: teams.filter((team) => team.site_id === null || siteIds.has(team.site_id)).map((team) => ({ id: team.id, name: team.name })),
    agents: agents.filter((agent) => (agent.site_ids || []).some((id) => siteIds.has(id)))
      .map((agent) => ({ id: agent.id, name: agent.display_name })),
  };
}

/** A filter value kept only if it is still one of the choices (another company was picked). */
export function keepChoice(value, choices) {
  return choices.some((choice) => choice.id === value) ? value : null;
}

/**
 * The reports catalogue key wording a refused report request (`reports.error.<code>.<field>`),
 * or null for errors about no report field (those go through the general catalogue). The flat
 * field-errors keys `error.invalid.to` and `error.invalid.site_id` already mean other forms.
 */
export function reportErrorKey(error) {
  if (!error || typeof error.field !== 'string' || !REPORT_FIELDS.includes(error.field)) return null;
  if (!['invalid', 'not_found', 'forbidden'].includes(error.code)) return null;
  return `reports.error.${error.code}.${error.field}`;
}

/** The `[label, value]` of a ranking list (`sources`, `keywords`…), `"(other)"` worded by `otherLabel`. */
export function rankingLabel(value, otherLabel) {
  return value === '(other)' ? otherLabel : String(value ?? '');
}

/**
 * A visit's source as the reports and leads name it, in words: the server sends the engine, site
 * or campaign as is, but codes for no source (`"direct"`: typed in or bookmarked; `"unknown"`: a
 * chat or lead with no visit recorded before it) and for the rest of a ranking (`"(other)"`).
 */
export function sourceLabel(value, t) {
  if (value === 'direct') return t('reports.sourceKind.direct');
  if (value === 'unknown') return t('reports.unknown');
  return rankingLabel(value, t('reports.other'));
}

/** A source kind code (`search`, `direct`…) in words; a kind this page has no words for is "unknown". */
export function sourceKindLabel(kind, t) {
  const key = `reports.sourceKind.${kind}`;
  const text = t(key);
  return text === key ? t('reports.unknown') : text;
}

/** Sum `{"1": n, …, "5": n}` rating distributions over agents into one. */
export function ratingTotals(agents) {
  const totals = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  for (const agent of agents || []) {
    for (const star of Object.keys(totals)) totals[star] += Number(agent.rating?.distribution?.[star]) || 0;
  }
  return totals;
}

/**
 * Per-agent lines of `load_series` over `periods`: `[{agentId, values}]`, the `limit` agents with
 * the most chat time (more lines than markers and dashes could not be told apart).
 */
export function loadLines(loadSeries, periods, limit = 6) {
  const byAgent = new Map();
  for (const row of loadSeries || []) {
    if (!byAgent.has(row.agent_id)) byAgent.set(row.agent_id, { agentId: row.agent_id, total: 0, byPeriod: new Map() });
    const line = byAgent.get(row.agent_id);
    line.total += Number(row.chat_seconds) || 0;
    line.byPeriod.set(row.period, Number(row.average_load) || 0);
  }
  return [...byAgent.values()].sort((a, b) => b.total - a.total || a.agentId - b.agentId).slice(0, limit)
    .map((line) => ({ agentId: line.agentId, values: periods.map((period) => line.byPeriod.get(period) ?? 0) }));
}

/** `[{weekday, hour, count}]` from the API's heat map (rows Monday…Sunday × 24 local hours). */
export function heatCells(matrix) {
  const cells = [];
  (matrix || []).forEach((row, weekday) => (row || []).forEach((count, hour) => cells.push({ weekday, hour, count })));
  return cells;
}
