// Pieces every view uses: the page header, sections, empty states and small labels.
import { h } from '../../dom.js';
import { getLanguage, t } from '../../i18n.js';

/** `<header>` with a focusable h1 (focused on navigation), optional lead text and actions. */
export function pageHeader(title, { lead = null, actions = [], back = null } = {}) {
  return h('header', { class: 'page-header' },
    back ? h('a', { class: 'back-link', href: back.href }, `← ${back.label}`) : null,
    h('div', { class: 'page-header-row' },
      h('h1', { tabindex: '-1' }, title),
      actions.length ? h('div', { class: 'page-actions' }, actions) : null),
    lead ? h('p', { class: 'lead' }, lead) : null);
}

/** A white card with an optional heading and description. */
export function section(title, children, { description = null, test = null, className = '' } = {}) {
  return h('section', { class: `card ${className}`.trim(), 'data-test': test },
    title ? h('h2', { class: 'card-title' }, title) : null,
    description ? h('p', { class: 'card-description' }, description) : null,
    children);
}

export function emptyState(title, text = null, { test = null, icon = 'inbox' } = {}) {
  return h('div', { class: 'empty-state', 'data-test': test },
    h('span', { class: `empty-icon empty-icon-${icon}`, 'aria-hidden': 'true' }),
    h('h2', {}, title),
    text ? h('p', {}, text) : null);
}

export function page(...children) {
  return h('div', { class: 'page' }, children);
}

export function roleBadge(role) {
  return h('span', { class: `badge badge-${role}` }, t(`role.${role}`));
}

export function statusBadge(active) {
  return h('span', { class: `badge ${active ? 'badge-active' : 'badge-inactive'}` },
    t(active ? 'user.active' : 'user.inactive'));
}

/** A `<button>`; `kind` is space-separated styles ("primary", "small danger"), `test` its data-test. */
export function button(label, onclick, { kind = '', test = null, type = 'button', props = {} } = {}) {
  const classes = ['button', ...kind.split(' ').filter(Boolean).map((name) => `button-${name}`)];
  return h('button', { type, class: classes.join(' '), 'data-test': test, onclick, ...props }, label);
}

/** Format an ISO timestamp as a local date for tables. */
export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleDateString(document.documentElement.lang);
}

/**
 * A view kept mounted between visits (the console, the live visitor list): `mount(ctx, rt)` builds
 * `{rt, lang, root, show(id), destroy()}` once, and again only for another console runtime or
 * language; each visit shows `params.id` in it.
 */
export function keptView(mount) {
  let mounted = null;
  return async (ctx, params) => {
    const rt = ctx.console;
    await rt.ready;
    if (!mounted || mounted.rt !== rt || mounted.lang !== getLanguage()) {
      mounted?.destroy();
      mounted = mount(ctx, rt);
    }
    mounted.show(params.id ?? null);
    return mounted.root;
  };
}
