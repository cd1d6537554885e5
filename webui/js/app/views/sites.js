// Sites list (owner/admin): every site with its address, company and a way into its settings.
import { externalLink, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { button, emptyState, page, pageHeader } from './common.js';

function siteRow(site, companyName) {
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  if (/^#[0-9a-fA-F]{6}$/.test(site.theme_color || '')) swatch.style.backgroundColor = site.theme_color;
  return h('li', { class: 'list-row', 'data-test': 'site-row', 'data-site-id': site.id },
    swatch,
    h('div', { class: 'list-main' },
      h('a', { class: 'list-title', href: hrefFor('site', { id: site.id }) }, site.name),
      h('div', { class: 'list-meta' },
        externalLink(site.url),
        companyName ? h('span', { class: 'meta-company' }, companyName) : null)),
    h('a', { class: 'button button-small list-action', href: hrefFor('site', { id: site.id }), 'data-test': 'site-open' },
      t('site.open')));
}

export async function sitesView(ctx) {
  const [{ sites }, { companies }] = await Promise.all([
    ctx.api.get('/api/sites'), ctx.api.get('/api/companies'),
  ]);
  const names = new Map(companies.map((company) => [company.id, company.name]));
  const showCompany = companies.length > 1;
  const header = pageHeader(t('sites.title'), {
    lead: t('sites.lead'),
    actions: [button(t('sites.new'), () => ctx.navigate(hrefFor('site-new')), { kind: 'primary', test: 'new-site' })],
  });
  const body = sites.length
    ? h('ul', { class: 'list card', 'data-test': 'site-list' },
      sites.map((site) => siteRow(site, showCompany ? names.get(site.company_id) : null)))
    : emptyState(t('sites.empty'), t('sites.emptyHint'), { icon: 'site' });
  return page(header, body);
}
