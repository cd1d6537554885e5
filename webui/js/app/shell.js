// The signed-in page frame: top bar (product, user, language, logout), nav by role, toasts.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { bindLanguageSwitch } from '../localize.js';
import { navForRole } from '../nav.js';

const TOAST_MS = 4000;
const MAX_TOASTS = 3;

/**
 * Build the frame inside `#app`. Returns `{main, refresh(me), setActive(section), notify(text, kind)}`;
 * views render into `main`, which survives language switches (only the frame is redrawn).
 */
export function createShell({ me, onLogout, onLanguageSwitch }) {
  const root = document.getElementById('app');
  const header = h('header', { class: 'topbar' });
  const sidebar = h('nav', { class: 'sidebar', id: 'sidebar' });
  const main = h('main', { class: 'content', id: 'main', tabindex: '-1' });
  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
  root.replaceChildren(header, h('div', { class: 'layout' }, sidebar, main), toasts);

  let user = me;
  let active = null;

  function closeMenu() {
    sidebar.classList.remove('is-open');
    header.querySelector('.nav-toggle')?.setAttribute('aria-expanded', 'false');
  }

  function drawHeader() {
    const toggle = h('button', {
      type: 'button', class: 'button button-quiet nav-toggle', 'aria-controls': 'sidebar',
      'aria-expanded': 'false', 'aria-label': t('nav.menu'), 'data-test': 'nav-toggle',
      onclick: () => {
        const open = sidebar.classList.toggle('is-open');
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      },
    }, h('span', { class: 'nav-toggle-bars', 'aria-hidden': 'true' }));
    const langSwitch = h('button', { type: 'button', class: 'button button-quiet', 'data-test': 'lang-switch' });
    bindLanguageSwitch(langSwitch, onLanguageSwitch);
    header.replaceChildren(
      toggle,
      h('a', { class: 'brand', href: '#/' },
        h('img', { src: '/ui/img/kefu.svg', alt: '', width: '28', height: '28' }),
        h('span', { class: 'brand-name' }, t('app.name'))),
      h('div', { class: 'topbar-spacer' }),
      h('span', { class: 'topbar-user', 'data-test': 'user-name' },
        h('span', { class: 'topbar-user-name' }, user.display_name),
        h('span', { class: 'badge' }, t(`role.${user.role}`))),
      langSwitch,
      h('button', { type: 'button', class: 'button button-quiet', 'data-test': 'logout', onclick: onLogout },
        t('nav.logout')),
    );
  }

  function drawNav() {
    const items = navForRole(user.role).map((item) => h('li', {},
      h('a', {
        href: item.href, 'data-test': `nav-${item.id}`, class: 'nav-link',
        'aria-current': item.id === active ? 'page' : null, onclick: closeMenu,
      }, t(item.label))));
    sidebar.setAttribute('aria-label', t('nav.label'));
    sidebar.replaceChildren(h('ul', { class: 'nav-list' }, items));
  }

  return {
    main,
    refresh(nextUser = user) {
      user = nextUser;
      drawHeader();
      drawNav();
    },
    setActive(section) {
      active = section;
      drawNav();
    },
    notify(text, kind = 'success') {
      const toast = h('div', { class: `toast toast-${kind}`, role: 'status', 'data-test': 'toast' }, text);
      toasts.append(toast);
      while (toasts.children.length > MAX_TOASTS) toasts.firstElementChild.remove();
      setTimeout(() => toast.remove(), TOAST_MS);
    },
  };
}
