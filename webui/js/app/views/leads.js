// Leads and the report per client company (#/leads; the portal shows the same for its own company): printable.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, input, select, showFormError } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { lastDays, reportRows } from '../../customers/model.js';
import { addDays, todayIn } from '../../reports/dates.js';
import { sourceLabel } from '../../reports/model.js';
import { hrefFor } from '../../routes.js';
import { button, emptyState, page, pageHeader, section } from './common.js';
import { leadList } from './customer.js';
import { companyPicker, currentCompany } from './customers.js';

let range = null;

/** `days` calendar days ending with `last` (a `YYYY-MM-DD`). */
function daysUpTo(last, days) {
  return { from: addDays(last, -(days - 1)), to: last };
}

function rangeForm(ctx, current) {
  const form = h('form', { class: 'form form-inline no-print', novalidate: true }, errorBox(),
    h('div', { class: 'inline-row' },
      field({ label: t('report.from'), control: input({ name: 'from', type: 'date', value: current.from, 'data-test': 'report-from' }) }),
      field({ label: t('report.to'), control: input({ name: 'to', type: 'date', value: current.to, 'data-test': 'report-to' }) }),
      field({ label: t('report.grain'), control: select({ name: 'grain', 'data-test': 'report-grain' },
        ['day', 'week', 'month'].map((grain) => [grain, t(`report.grain.${grain}`)]), current.grain) }),
      h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'report-go' }, t('report.show'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    range = { from: data.get('from'), to: data.get('to'), grain: data.get('grain') };
    ctx.rerender();
  });
  return form;
}

function table(title, head, rows, test) {
  return h('div', { class: 'report-table' },
    h('h3', {}, title),
    rows.length ? h('table', { class: 'table', 'data-test': test },
      h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, String(cell)))))))
      : h('p', { class: 'muted' }, t('report.empty')));
}

function figures(report) {
  const item = (label, value, test) => h('div', { class: 'figure', 'data-test': test },
    h('div', { class: 'figure-value' }, String(value)), h('div', { class: 'figure-label' }, label));
  return h('div', { class: 'figures' },
    item(t('report.billable'), report.billable, 'report-billable'),
    item(t('report.leads'), report.leads, 'report-leads'),
    item(t('report.effective'), report.effective, 'report-effective'),
    item(t('report.duplicates'), report.duplicates, 'report-duplicates'));
}

/**
 * The report of one company, from `base` (`/api/companies/<id>` or `/api/portal`): figures, breakdowns, the
 * leads, downloads and a print button (the page prints without the app's frame).
 */
export async function reportPage(ctx, { base, title, actions = [], timeZone = null }) {
  // The last 30 days as the company counts them: "today" is the company's, not the browser's
  // (an outsourced desk or a laptop on UTC would otherwise leave the company's today out).
  range ??= { ...(timeZone ? daysUpTo(todayIn(timeZone), 30) : lastDays(30)), grain: 'day' };
  const query = new URLSearchParams({ from: range.from, to: range.to, grain: range.grain });
  const form = rangeForm(ctx, range);
  let answer;
  let leads;
  try {
    [answer, leads] = await Promise.all([ctx.api.get(`${base}/reports?${query}`),
      ctx.api.get(`${base}/leads?${new URLSearchParams({ from: range.from, to: range.to, limit: '200' })}`)]);
  } catch (error) {
    showFormError(form, errorMessage(error, t), ['from', 'to', 'grain'].includes(error.field) ? error.field : null);
    return page(pageHeader(title, { actions }), section(null, form));
  }
  const { report, company, labels } = answer;
  const site = (id) => labels.sites[String(id)] || `#${id}`;
  const agent = (id) => (id == null ? '—' : labels.agents[String(id)] || `#${id}`);
  const head = (first) => [first, t('report.leads'), t('report.billable')];
  const download = (fmt) => h('a', { class: 'button button-small', download: '', 'data-test': `report-export-${fmt}`,
    href: `${base}/reports/export?${new URLSearchParams({ from: range.from, to: range.to, format: fmt, lang: getLanguage() })}` },
  t(`report.export.${fmt}`));
  return page(
    pageHeader(title, { lead: t('report.lead', { company: company.name, from: report.from, to: range.to, timezone: report.timezone }),
      actions: [...actions, download('xlsx'), download('csv'),
        button(t('report.print'), () => window.print(), { kind: 'small', test: 'report-print' })] }),
    section(null, form, { className: 'no-print' }),
    section(t('report.summary', { company: company.name }), [
      figures(report),
      h('div', { class: 'report-grid' },
        table(t(`report.by.${report.grain}`), head(t(`report.grain.${report.grain}`)), reportRows(report.by_period, 'period'), 'report-by-period'),
        table(t('report.by.site'), head(t('report.site')), reportRows(report.by_site, 'site_id', site), 'report-by-site'),
        table(t('report.by.source'), head(t('report.source')), reportRows(report.by_source, 'source', (source) => sourceLabel(source, t)), 'report-by-source'),
        table(t('report.by.keyword'), head(t('report.keyword')), reportRows(report.by_keyword, 'keyword'), 'report-by-keyword'),
        table(t('report.by.agent'), head(t('report.agent')), reportRows(report.by_agent, 'agent_id', agent), 'report-by-agent')),
    ], { test: 'report' }),
    section(t('leads.title'), leadList(leads.leads, site, report.timezone), { test: 'leads' }));
}

export async function leadsView(ctx) {
  const { companies } = await ctx.api.get('/api/companies');
  const company = currentCompany(companies);
  if (!company) return page(pageHeader(t('leads.title')), emptyState(t('customers.noCompany')));
  return reportPage(ctx, { base: `/api/companies/${company.id}`, title: t('report.title'), timeZone: company.settings?.timezone,
    actions: [companyPicker(ctx, companies, company), h('a', { class: 'button button-small', href: hrefFor('reports', { kind: 'chats' }),
      'data-test': 'reports-more' }, t('reports.more'))].filter(Boolean) });
}
