// The live visitor list (#/visitors, #/visitors/<id>): everyone on my sites now, filters, counts, details.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { getLanguage, t } from '../../i18n.js';
import { parseHash } from '../../routes.js';
import { keptView } from './common.js';
import { SOURCE_KINDS, STATES } from '../../console/live-visitors.js';
import { inviteVisitor } from '../console/visitor-actions.js';
import { createVisitorDetails } from '../console/visitor-details.js';
import { createVisitorTable } from '../console/visitor-table.js';

const TICK_MS = 1000;

function option(value, label, selected) {
  return h('option', { value, selected: value === selected }, label);
}

/** The page is built once per runtime and language, and kept (filters, scroll) between visits. */
function mount(ctx, rt) {
  const live = rt.live;
  const filter = { siteId: null, sourceKind: '', state: '', text: '' };
  let sort = { key: 'time', descending: true }; // the longest on the site first (▼)
  const siteName = (id) => rt.siteOf(id)?.name || `#${id}`;

  const siteSelect = h('select', { class: 'vl-filter', 'data-test': 'visitor-filter-site', 'aria-label': t('visitors.filter.site'),
    onchange: () => { filter.siteId = siteSelect.value ? Number(siteSelect.value) : null; draw(); } });
  const sourceSelect = h('select', { class: 'vl-filter', 'data-test': 'visitor-filter-source', 'aria-label': t('visitors.filter.source'),
    onchange: () => { filter.sourceKind = sourceSelect.value; draw(); } },
  option('', t('visitors.filter.anySource'), ''), SOURCE_KINDS.map((kind) => option(kind, t(`visitors.source.${kind}`), '')));
  const stateSelect = h('select', { class: 'vl-filter', 'data-test': 'visitor-filter-state', 'aria-label': t('visitors.filter.state'),
    onchange: () => { filter.state = stateSelect.value; draw(); } },
  option('', t('visitors.filter.anyState'), ''), STATES.map((state) => option(state, t(`visitors.state.${state}`), '')));
  const search = h('input', { type: 'search', class: 'vl-search', maxlength: '200', 'data-test': 'visitor-filter-text',
    placeholder: t('visitors.filter.text'), 'aria-label': t('visitors.filter.text'),
    oninput: () => { filter.text = search.value; draw(); } });
  const total = h('span', { class: 'vl-total', 'data-test': 'visitor-total', role: 'status' });
  const counts = h('ul', { class: 'chips vl-counts', 'data-test': 'visitor-counts', 'aria-label': t('visitors.counts') });
  const status = h('p', { class: 'muted vl-status', hidden: true });

  const open = (id) => {
    const hash = `#/visitors/${id}`;
    if (location.hash !== hash) location.hash = hash;
    else view.show(id);
  };
  const table = createVisitorTable({
    onOpen: open, onInvite: (visitor) => inviteVisitor(ctx, rt, visitor), secondsOnSite: (id, now) => live.list.secondsOnSite(id, now), siteName, sort,
    onSort: (next) => { sort = next; table.setSort(sort); draw(); },
  });
  const details = createVisitorDetails({ ctx, rt, onClose: () => { location.hash = '#/visitors'; } });
  const aside = h('aside', { class: 'vl-aside', hidden: true }, details.element);
  const root = h('div', { class: 'visitor-list', 'data-test': 'visitor-list' },
    h('header', { class: 'vl-head' },
      h('h1', { tabindex: '-1' }, t('visitors.title')), total,
      h('div', { class: 'vl-filters' }, siteSelect, sourceSelect, stateSelect, search)),
    counts, status,
    h('div', { class: 'vl-main' }, table.element, aside));

  let drawnSites = '';
  function drawSites() {
    const key = JSON.stringify([rt.sites.map((site) => [site.id, site.name, live.list.count(site.id)]), filter.siteId]);
    if (key === drawnSites) return;
    drawnSites = key;
    const value = filter.siteId === null ? '' : String(filter.siteId);
    siteSelect.replaceChildren(option('', t('visitors.filter.anySite'), value),
      ...rt.sites.map((site) => option(String(site.id), `${site.name} (${live.list.count(site.id)})`, value)));
    counts.replaceChildren(...rt.sites.map((site) => h('li', { class: 'chip', 'data-test': 'visitor-count', 'data-site': site.id },
      `${site.name} · ${live.list.count(site.id)}`)));
  }

  function draw() {
    if (!root.isConnected) return;
    const rows = live.list.rows(filter, sort, siteName);
    table.render(rows);
    drawSites();
    const online = rt.sites.reduce((sum, site) => sum + live.list.count(site.id), 0);
    total.textContent = t('visitors.total', { online, shown: rows.length });
    status.hidden = !live.error && live.list.size > 0;
    status.textContent = live.error ? errorMessage(live.error, t) : t('visitors.empty');
    details.follow();
  }

  const unsubscribe = live.subscribe(draw);
  let unwatch = null;
  let ticker = 0;
  function start() {
    unwatch ??= live.watch();
    ticker ||= setInterval(() => root.isConnected && table.tick(), TICK_MS);
  }
  function stop() {
    unwatch?.();
    unwatch = null;
    clearInterval(ticker);
    ticker = 0;
  }
  const onHash = () => {
    if (parseHash(location.hash).name !== 'visitors') stop();
  };
  window.addEventListener('hashchange', onHash);

  const view = {
    rt, root, lang: getLanguage(),
    show(id) {
      start();
      aside.hidden = id === null;
      root.classList.toggle('has-details', id !== null);
      table.setSelected(id);
      details.show(id);
      requestAnimationFrame(draw);
    },
    destroy() {
      stop();
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
    },
  };
  return view;
}

export const visitorsView = keptView(mount);
