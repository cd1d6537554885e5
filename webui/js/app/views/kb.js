// Knowledge base entries (#/kb): search, category and site filters, pages of 50; managers add and edit.
import { h } from '../../dom.js';
import { input, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { entriesQuery, KB_LIMITS, pageOf } from '../../kb/entries.js';
import { hrefFor } from '../../routes.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb, siteName } from './kb-common.js';

/** The list's filters, kept while the page lives (back from an entry finds the same page). */
const filters = { companyId: null, q: '', category: '', siteId: '', offset: 0 };

function filterBar(ctx, categories, kb) {
  const search = input({ type: 'search', name: 'q', value: filters.q, maxlength: '100', 'data-test': 'kb-search',
    placeholder: t('kb.search.placeholder'), 'aria-label': t('kb.search') });
  const category = select({ name: 'category', 'data-test': 'kb-filter-category', 'aria-label': t('kb.category') },
    [['', t('kb.category.all')], ...categories.map((name) => [name, name])], filters.category);
  const site = kb.sites.length ? select({ name: 'site_id', 'data-test': 'kb-filter-site', 'aria-label': t('kb.site') },
    [['', t('kb.site.any')], ...kb.sites.map((s) => [String(s.id), s.name])], filters.siteId) : null;
  const form = h('form', { class: 'kb-filters', role: 'search', novalidate: true }, search, category, site,
    button(t('kb.search'), null, { type: 'submit', test: 'kb-search-submit' }));
  const apply = () => {
    filters.q = search.value;
    filters.category = category.value;
    filters.siteId = site ? site.value : '';
    filters.offset = 0;
    ctx.rerender();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  category.addEventListener('change', apply);
  site?.addEventListener('change', apply);
  return form;
}

function entryRow(entry, kb) {
  return h('li', { class: 'list-row kb-row', 'data-test': 'kb-entry-row', 'data-id': String(entry.id) },
    h('div', { class: 'list-main' },
      h('a', { class: 'list-title kb-row-question', href: hrefFor('kb-entry', { id: entry.id }) }, entry.question),
      h('div', { class: 'kb-row-answer muted' }, entry.answer_text),
      h('div', { class: 'kb-row-meta' },
        entry.category ? h('span', { class: 'chip' }, entry.category) : null,
        h('span', { class: 'chip' }, siteName(kb, entry.site_id)),
        entry.phrasings.length ? h('span', { class: 'muted' }, t('kb.phrasings.count', { count: entry.phrasings.length })) : null,
        entry.enabled ? null : h('span', { class: 'badge badge-inactive' }, t('kb.disabled')))));
}

function pager(ctx, offset, shown, total) {
  const p = pageOf(offset, shown, total, KB_LIMITS.pageSize);
  const go = (to) => {
    filters.offset = to;
    ctx.rerender();
  };
  return h('div', { class: 'kb-pager' },
    h('span', { class: 'muted', 'data-test': 'kb-count' }, t('kb.pager', { from: p.from, to: p.to, total: p.total })),
    button(t('kb.pager.previous'), () => go(p.previous), { kind: 'small', test: 'kb-previous', props: { disabled: !p.hasPrevious } }),
    button(t('kb.pager.next'), () => go(p.next), { kind: 'small', test: 'kb-next', props: { disabled: !p.hasNext } }));
}

export async function kbView(ctx) {
  const kb = await loadKb(ctx);
  if (!kb.company) return page(kbHeader(ctx, kb, 'kb'), emptyState(t('kb.noCompany'), null, { icon: 'chat' }));
  if (filters.companyId !== kb.company.id) Object.assign(filters, { companyId: kb.company.id, q: '', category: '', siteId: '', offset: 0 });
  const base = `/api/companies/${kb.company.id}/kb`;
  const query = entriesQuery({ q: filters.q, category: filters.category, siteId: filters.siteId, offset: filters.offset });
  const [{ entries, total }, { categories }] = await Promise.all([
    ctx.api.get(`${base}/entries?${query}`), ctx.api.get(`${base}/categories`)]);
  const filtered = filters.q || filters.category || filters.siteId;
  const actions = kb.manager ? [button(t('kb.new'), () => ctx.navigate(hrefFor('kb-new')), { kind: 'primary', test: 'kb-new' })] : [];
  const body = entries.length
    ? [h('ul', { class: 'list', 'data-test': 'kb-entries' }, entries.map((entry) => entryRow(entry, kb))),
      pager(ctx, filters.offset, entries.length, total)]
    : emptyState(t(filtered ? 'kb.noMatch' : 'kb.empty'), filtered ? null : t(kb.manager ? 'kb.emptyHint' : 'kb.emptyReader'),
      { test: 'kb-empty', icon: 'chat' });
  return page(
    kbHeader(ctx, kb, 'kb', { actions, lead: t(kb.manager ? 'kb.lead' : 'kb.leadReader') }),
    section(null, [filterBar(ctx, categories, kb), body], { test: 'kb-list' }),
    kb.manager ? null : h('p', { class: 'muted' }, t('kb.readOnly')));
}
