// Reports (#/reports/<kind>; the portal's #/portal/reports/<kind>): filters, figures, charts beside their tables, exports.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, input, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, hasMessage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { reportBlocks, summaryFigures } from '../../reports/blocks.js';
import { csvFileName } from '../../reports/csv.js';
import { presetOf, presetRange, PRESETS, rangeProblem, todayIn } from '../../reports/dates.js';
import { downloadWithProgress } from '../../reports/download.js';
import { drawChart } from '../../reports/draw.js';
import {
  filterChoices, filtersFor, GRAINS, keepChoice, kindsFor, lastDayOf, MAX_DAYS, reportErrorKey, reportQuery,
} from '../../reports/model.js';
import { reportBlock } from '../../reports/table.js';
import { emptyState, page, pageHeader, section } from './common.js';

/** What the reports pages were last asked for, kept while moving between kinds. */
const state = { companyId: null, from: null, to: null, grain: 'day', site_id: null, team_id: null, agent_id: null };

function timezoneOf(company) {
  return company?.settings?.timezone || 'Asia/Shanghai';
}

/** Start from the last 30 days of the company's calendar, the first time or after changing company. */
function resetRange(company) {
  Object.assign(state, presetRange('last30', todayIn(timezoneOf(company))), { site_id: null, team_id: null, agent_id: null });
}

function errorText(error) {
  const key = reportErrorKey(error);
  return key && hasMessage(key) ? t(key) : errorMessage(error, t);
}

function tabs(kinds, current, portal) {
  const route = portal ? 'portal-reports' : 'reports';
  return h('nav', { class: 'report-tabs no-print', 'aria-label': t('reports.tabs') },
    kinds.map((kind) => h('a', { href: hrefFor(route, { kind }), class: `report-tab${kind === current ? ' is-active' : ''}`,
      'aria-current': kind === current ? 'page' : null, 'data-test': `reports-tab-${kind}` }, t(`reports.kind.${kind}`))),
    h('a', { href: hrefFor(portal ? 'portal' : 'leads'), class: 'report-tab', 'data-test': 'reports-tab-effective' },
      t('reports.kind.effective')));
}

function choiceSelect(name, choices, value, allLabel) {
  return select({ name, 'data-test': `reports-${name.replace('_id', '')}` },
    [['', allLabel], ...choices.map((choice) => [String(choice.id), choice.name])], value == null ? '' : String(value));
}

function filterForm(ctx, { kind, companies, company, choices, today }) {
  const allowed = filtersFor(kind, ctx.me.role);
  const preset = presetOf(state, today);
  const form = h('form', { class: 'form form-inline report-filters no-print', novalidate: true, 'data-test': 'reports-filters' },
    errorBox(),
    h('div', { class: 'inline-row' },
      companies.length > 1 ? field({ label: t('reports.filter.company'), control: select({ name: 'company', 'data-test': 'reports-company' },
        companies.map((item) => [String(item.id), item.name]), String(company.id)) }) : null,
      field({ label: t('reports.filter.preset'), control: select({ name: 'preset', 'data-test': 'reports-preset' },
        [...PRESETS.map((name) => [name, t(`reports.preset.${name}`)]), ['custom', t('reports.preset.custom')]], preset || 'custom') }),
      field({ label: t('reports.filter.from'), control: input({ name: 'from', type: 'date', value: state.from, 'data-test': 'reports-from' }) }),
      field({ label: t('reports.filter.to'), control: input({ name: 'to', type: 'date', value: state.to, 'data-test': 'reports-to' }) }),
      field({ label: t('reports.filter.grain'), control: select({ name: 'grain', 'data-test': 'reports-grain' },
        GRAINS.map((grain) => [grain, t(`reports.grain.${grain}`)]), state.grain) }),
      allowed.includes('site_id') && choices.sites.length > 1 ? field({ label: t('reports.filter.site'),
        control: choiceSelect('site_id', choices.sites, state.site_id, t('reports.filter.allSites')) }) : null,
      allowed.includes('team_id') && choices.teams.length ? field({ label: t('reports.filter.team'),
        control: choiceSelect('team_id', choices.teams, state.team_id, t('reports.filter.allTeams')) }) : null,
      allowed.includes('agent_id') && choices.agents.length ? field({ label: t('reports.filter.agent'),
        control: choiceSelect('agent_id', choices.agents, state.agent_id, t('reports.filter.allAgents')) }) : null,
      h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'reports-go' }, t('reports.show'))));
  form.elements.preset.addEventListener('change', () => {
    const range = presetRange(form.elements.preset.value, today);
    if (!range) return;
    form.elements.from.value = range.from;
    form.elements.to.value = range.to;
    form.requestSubmit();
  });
  form.elements.company?.addEventListener('change', () => {
    state.companyId = Number(form.elements.company.value);
    resetRange(companies.find((item) => item.id === state.companyId));
    ctx.rerender();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const range = { from: String(data.get('from') || ''), to: String(data.get('to') || '') };
    const problem = rangeProblem(range, { maxDays: MAX_DAYS });
    if (problem) {
      showFormError(form, t(problem.key, { days: MAX_DAYS }), problem.field);
      return;
    }
    const id = (name) => (data.get(name) ? Number(data.get(name)) : null);
    Object.assign(state, range, { grain: data.get('grain') || 'day', site_id: id('site_id'), team_id: id('team_id'), agent_id: id('agent_id') });
    ctx.rerender();
  });
  return form;
}

function figures(kind, report) {
  return h('div', { class: 'figures report-figures', 'data-test': 'reports-figures' },
    summaryFigures(kind, report, t, getLanguage()).map((figure) => h('div', { class: 'figure', 'data-test': `reports-fig-${figure.key}`,
      'data-value': figure.value ?? '' },
    h('div', { class: 'figure-value' }, figure.text), h('div', { class: 'figure-label' }, figure.label))));
}

function xlsxButton(url) {
  const progress = h('progress', { max: '1', hidden: true, 'data-test': 'reports-xlsx-progress' });
  const status = h('span', { class: 'muted report-download-status', role: 'status', 'data-test': 'reports-xlsx-status' });
  const go = h('button', { type: 'button', class: 'button button-small', 'data-test': 'reports-xlsx' }, t('reports.xlsx'));
  go.addEventListener('click', async () => {
    setBusy(go, true);
    progress.hidden = false;
    progress.removeAttribute('value');
    status.textContent = t('reports.xlsx.preparing');
    try {
      const name = await downloadWithProgress(url, (share, bytes) => {
        if (share === null) progress.removeAttribute('value');
        else progress.value = share;
        status.textContent = share === null ? t('reports.xlsx.bytes', { kb: Math.ceil(bytes / 1024) })
          : t('reports.xlsx.progress', { percent: Math.round(share * 100) });
      }, { fallbackName: 'kefu-report.xlsx' });
      status.textContent = t('reports.xlsx.done', { name });
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      progress.hidden = true;
      setBusy(go, false);
    }
  });
  return h('span', { class: 'report-download' }, go, progress, status);
}

async function readChoices(ctx, portal) {
  if (portal) {
    const { company } = await ctx.api.get('/api/portal');
    return { companies: [company], lists: {} };
  }
  const quiet = (path, key) => ctx.api.get(path).then((answer) => answer[key], () => []);
  const [{ companies }, sites, teams, agents] = await Promise.all([ctx.api.get('/api/companies'),
    quiet('/api/sites', 'sites'), quiet('/api/teams', 'teams'), quiet('/api/agents', 'agents')]);
  return { companies, lists: { sites, teams, agents } };
}

/** Sites the report's labels name but the lists did not (the portal has no site list of its own). */
function withLabels(choices, labels) {
  const known = new Set(choices.sites.map((site) => site.id));
  const extra = Object.entries(labels?.sites || {}).map(([id, name]) => ({ id: Number(id), name })).filter((site) => !known.has(site.id));
  return { ...choices, sites: [...choices.sites, ...extra] };
}

export async function reportsView(ctx, { kind: asked } = {}) {
  const portal = ctx.me.role === 'client';
  const kinds = kindsFor(ctx.me.role, { portal });
  const kind = kinds.includes(asked) ? asked : kinds[0];
  // A kind this role has not (an agent's #/reports/traffic): show the first it has, and say so in the address.
  if (asked !== kind) history.replaceState(null, '', hrefFor(portal ? 'portal-reports' : 'reports', { kind }));
  const title = t('reports.title');
  const { companies, lists } = await readChoices(ctx, portal);
  const company = companies.find((item) => item.id === state.companyId) || companies[0];
  if (!company) return page(pageHeader(title), emptyState(t('customers.noCompany')));
  if (state.companyId !== company.id || !state.from) {
    state.companyId = company.id;
    resetRange(company);
  }
  let choices = filterChoices(company.id, lists);
  for (const name of ['site_id', 'team_id', 'agent_id']) {
    if (!portal && lists.sites) state[name] = keepChoice(state[name], choices[`${name.replace('_id', '')}s`]);
  }
  const base = portal ? '/api/portal' : `/api/companies/${company.id}`;
  const query = reportQuery(kind, state, ctx.me.role);
  const today = todayIn(timezoneOf(company));
  let answer;
  let failure = null;
  try {
    answer = await ctx.api.get(`${base}/reports/${kind}?${query}`);
  } catch (error) {
    failure = error;
  }
  if (answer) choices = withLabels(choices, answer.labels);
  const form = filterForm(ctx, { kind, companies, company, choices, today });
  const head = (lead, actions = []) => pageHeader(title, { lead, actions });
  if (failure) {
    showFormError(form, errorText(failure), ['from', 'to', 'grain', 'site_id', 'team_id', 'agent_id'].includes(failure.field) ? failure.field : null);
    return page(head(company.name), tabs(kinds, kind, portal), section(null, form));
  }
  const { report, labels } = answer;
  const lang = getLanguage();
  const lastDay = lastDayOf(report);
  const exportQuery = new URLSearchParams(query);
  exportQuery.set('format', 'xlsx');
  exportQuery.set('lang', lang); // headers and sheet names in the words of the page
  const blocks = reportBlocks(kind, report, { t, lang, labels });
  return page(
    head(t('reports.lead', { company: company.name, from: report.from, to: lastDay, timezone: report.timezone }),
      [xlsxButton(`${base}/reports/${kind}/export?${exportQuery}`)]),
    tabs(kinds, kind, portal),
    section(null, form, { className: 'no-print' }),
    report.scope === 'self' ? h('p', { class: 'alert alert-info', 'data-test': 'reports-scope' }, t('reports.scope.self')) : null,
    section(t(`reports.kind.${kind}`), [
      figures(kind, report),
      h('div', { class: 'report-blocks' }, blocks.filter((item) => item.id !== 'summary').map((item) => reportBlock({
        title: item.title, columns: item.columns, items: item.items, wide: item.wide, note: item.note, test: `report-${item.id}`,
        fileName: csvFileName(`${t(`reports.kind.${kind}`)} ${item.title} ${company.name}`, report.from, lastDay),
        chart: item.items.length ? drawChart(item.chart, { title: item.title, t, lang, test: `chart-${item.id}` }) : null }))),
      reportBlock({ title: blocks[0].title, columns: blocks[0].columns, items: blocks[0].items, test: 'report-summary',
        fileName: csvFileName(`${t(`reports.kind.${kind}`)} ${blocks[0].title} ${company.name}`, report.from, lastDay) }),
      h('p', { class: 'muted report-fresh' }, t('reports.fresh', { time: new Date(report.fresh_to).toLocaleString(lang) })),
    ], { test: `reports-${kind}` }));
}
