// What every knowledge-base page shares: the company it is about, the tabs, site names and the list of entries to pick from.
import { h } from '../../dom.js';
import { select } from '../../forms.js';
import { t } from '../../i18n.js';
import { isManager } from '../../roles.js';
import { hrefFor } from '../../routes.js';
import { pageHeader } from './common.js';

/** The company chosen on these pages (an outsourced team serves several), kept while the page lives. */
let chosenCompanyId = null;

/**
 * `{companies, company, sites (of that company), manager}` for the signed-in user. Owners and
 * admins see every company; others the companies of the sites they serve.
 */
export async function loadKb(ctx) {
  const [{ companies }, { sites }] = await Promise.all([ctx.api.get('/api/companies'), ctx.api.get('/api/sites')]);
  const served = new Set(sites.map((site) => site.company_id));
  const reachable = isManager(ctx.me.role) ? companies : companies.filter((company) => served.has(company.id));
  const company = reachable.find((c) => c.id === chosenCompanyId) || reachable[0] || null;
  chosenCompanyId = company?.id ?? null;
  return {
    companies: reachable,
    company,
    sites: company ? sites.filter((site) => site.company_id === company.id) : [],
    allSites: sites,
    manager: isManager(ctx.me.role),
  };
}

/** The same pages about another company (an entry opened by its link belongs to its own). */
export function withCompany(kb, companyId) {
  const company = kb.companies.find((c) => c.id === companyId);
  if (!company || company.id === kb.company?.id) return kb;
  return { ...kb, company, sites: kb.allSites.filter((site) => site.company_id === company.id) };
}

export function siteName(kb, siteId) {
  if (siteId === null || siteId === undefined) return t('kb.site.all');
  return kb.sites.find((site) => site.id === siteId)?.name || `#${siteId}`;
}

/** `[value, label]` options: the whole company, then each of its sites. */
export function siteOptions(kb) {
  return [['', t('kb.site.all')], ...kb.sites.map((site) => [String(site.id), site.name])];
}

const TABS = [
  ['kb', 'kb.tab.entries', false], ['kb-improve', 'kb.tab.improve', false], ['kb-synonyms', 'kb.tab.synonyms', false],
  ['kb-import', 'kb.tab.import', true], ['kb-test', 'kb.tab.test', false], ['kb-llm', 'kb.tab.llm', true],
];

/** The page header with the company picker (when there are several) and the knowledge base's tabs. */
export function kbHeader(ctx, kb, active, { actions = [], lead = null, title = t('kb.title') } = {}) {
  const picker = kb.companies.length > 1 ? select({
    'data-test': 'kb-company', 'aria-label': t('kb.company'),
    onchange: (event) => {
      chosenCompanyId = Number(event.target.value);
      ctx.rerender();
    },
  }, kb.companies.map((c) => [String(c.id), c.name]), String(kb.company?.id ?? '')) : null;
  const tabs = h('nav', { class: 'kb-tabs', 'aria-label': t('kb.title') }, TABS
    .filter(([, , managersOnly]) => kb.manager || !managersOnly)
    .map(([route, label]) => h('a', {
      href: hrefFor(route), class: 'kb-tab', 'data-test': `kb-tab-${route}`,
      'aria-current': route === active ? 'page' : null,
    }, t(label))));
  return h('div', { class: 'kb-head' },
    pageHeader(title, { lead, actions: [picker, ...actions].filter(Boolean) }), tabs);
}

/** Entries of the company matching `q` (for pickers), at most `limit`; with `siteId` only
 * those that site gets (its own and the company-wide ones). */
export async function searchEntries(ctx, companyId, q, limit = 8, siteId = null) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (q.trim()) params.set('q', q.trim().slice(0, 100));
  if (siteId) params.set('site_id', String(siteId));
  const { entries } = await ctx.api.get(`/api/companies/${companyId}/kb/entries?${params}`);
  return entries;
}
