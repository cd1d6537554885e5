// Agent and supervisor landing page: who is signed in, their sites, and the (empty) conversation list.
import { externalLink, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { emptyState, page, pageHeader, roleBadge, section } from './common.js';

function siteList(sites) {
  if (!sites.length) return h('p', { class: 'muted', 'data-test': 'console-no-sites' }, t('console.noSites'));
  return h('ul', { class: 'list' }, sites.map((site) => h('li', { class: 'list-row', 'data-test': 'console-site' },
    h('div', { class: 'list-main' },
      h('span', { class: 'list-title' }, site.name),
      h('div', { class: 'list-meta' }, externalLink(site.url))))));
}

export async function consoleView(ctx) {
  const { sites } = await ctx.api.get('/api/sites');
  const me = ctx.me;
  return h('div', { class: 'page', 'data-test': 'console' },
    pageHeader(t('console.hello', { name: me.display_name }), { lead: t('console.lead') }),
    h('div', { class: 'console-grid' },
      section(t('console.conversations'),
        emptyState(t('console.empty'), t('console.emptyHint'), { test: 'console-empty', icon: 'chat' }),
        { className: 'console-main' }),
      h('div', { class: 'console-side' },
        section(t('console.you'), h('dl', { class: 'facts' },
          h('dt', {}, t('field.displayName')), h('dd', {}, me.display_name),
          h('dt', {}, t('field.login')), h('dd', {}, me.login),
          h('dt', {}, t('field.role')), h('dd', {}, roleBadge(me.role)))),
        section(t('console.sites'), siteList(sites), { test: 'console-sites' }))));
}
