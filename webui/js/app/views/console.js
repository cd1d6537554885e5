// The agent console (#/console, #/console/<id>): conversation lists | chat | visitor (or the team board), live.
import { h } from '../../dom.js';
import { getLanguage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { keptView } from './common.js';
import { neighbour, shortcutFor, suggestionIndexFor } from '../../console/keys.js';
import { createBoardPane } from '../console/board-pane.js';
import { createChatPane } from '../console/chat-pane.js';
import { createListPane } from '../console/list-pane.js';
import { createSidebarPane } from '../console/sidebar-pane.js';

const WIDE = '(min-width: 761px)';
/** What counts as using the console (and keeps the agent from turning "away"). */
const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'];

function linkText(state) {
  if (state === 'closed') return t('console.link.closed');
  if (state === 'stopped') return t('console.link.stopped');
  return '';
}

/**
 * The console is built once and kept (its lists, scroll positions, drafts and focus survive
 * switching conversations); it is rebuilt only for another runtime or language.
 */
function mount(ctx, rt) {
  const root = h('div', { class: 'console-app', 'data-test': 'console', 'data-pane': 'list' });
  const setPane = (pane) => { root.dataset.pane = pane; };
  /** Switch now, then record it in the address (the router's own call to show() is then a no-op). */
  const go = (id) => {
    view.show(id);
    const hash = hrefFor('console', { id });
    if (location.hash !== hash) location.hash = hash;
  };
  const onOpen = (id, seq = null) => {
    if (seq !== null) rt.scrollTarget = { id, seq };
    if (id === rt.engine.activeId) rt.changed();
    else go(id);
  };
  const openBoard = () => {
    if (rt.presence.board.open) {
      rt.presence.closeBoard();
      return;
    }
    go(null);
    rt.presence.openBoard(rt.sites);
  };
  const list = createListPane({ ctx, rt, onOpen, onBoard: openBoard });
  const board = createBoardPane({ rt, onOpen, onClose: () => rt.presence.closeBoard() });
  const chat = createChatPane({
    ctx, rt, onBack: () => ctx.navigate(hrefFor('console')), onInfo: () => setPane(root.dataset.pane === 'info' ? 'chat' : 'info'),
  });
  const sidebar = createSidebarPane({ ctx, rt, onBack: () => setPane('chat') });
  const linkBar = h('div', { class: 'console-link', role: 'status', hidden: true });
  root.append(linkBar, list.element, chat.element, sidebar.element, board.element);
  const onActivity = () => rt.presence.activity();
  for (const type of ACTIVITY_EVENTS) root.addEventListener(type, onActivity, { passive: true });

  let slowLink = null;
  function drawLink() {
    const text = linkText(rt.link);
    if (!text) {
      clearTimeout(slowLink);
      slowLink = null;
      linkBar.hidden = true;
      return;
    }
    if (!linkBar.hidden) {
      linkBar.textContent = text;
      return;
    }
    // A reconnect usually takes well under a second; only say something if it does not.
    slowLink ??= setTimeout(() => {
      slowLink = null;
      linkBar.textContent = linkText(rt.link);
      linkBar.hidden = !linkBar.textContent;
    }, rt.link === 'stopped' ? 0 : 2500);
  }

  let attached = false;
  function render() {
    if (!root.isConnected) {
      attached = false;
      return;
    }
    // Back from another page: the message list lost its scroll position while detached.
    const reattached = !attached;
    attached = true;
    root.dataset.activeId = rt.engine.activeId ?? '';
    root.dataset.board = rt.presence.board.open ? 'open' : 'closed';
    list.render();
    board.render();
    chat.render({ reattached });
    sidebar.render();
    drawLink();
  }
  const unsubscribe = rt.subscribe(render);

  function onKey(event) {
    if (!root.isConnected || document.querySelector('dialog[open]')) return;
    const suggestion = suggestionIndexFor(event);
    if (suggestion !== null) {
      if (rt.engine.activeId !== null && chat.insertSuggestion(suggestion)) event.preventDefault();
      return;
    }
    const action = shortcutFor(event);
    if (action === 'next' || action === 'previous') {
      event.preventDefault();
      const id = neighbour(list.visibleIds(), rt.engine.activeId, action === 'next' ? 1 : -1);
      if (id !== null) go(id);
    } else if (action === 'search') {
      event.preventDefault();
      list.focusSearch();
    } else if (action === 'input' && rt.engine.activeId !== null) {
      chat.composer.focus();
    }
  }
  document.addEventListener('keydown', onKey);

  const view = {
    rt,
    root,
    lang: getLanguage(),
    show(id) {
      const changed = id !== rt.engine.activeId;
      if (id !== null && rt.presence.board.open) rt.presence.closeBoard();
      rt.open(id);
      setPane(id === null ? 'list' : 'chat');
      // Switch at once (not on the next frame), so keys typed right after go to the right draft.
      if (changed) render();
      if (changed && id !== null && matchMedia(WIDE).matches) requestAnimationFrame(() => chat.composer.focus());
    },
    destroy() {
      unsubscribe();
      document.removeEventListener('keydown', onKey);
      chat.composer.destroy();
      sidebar.destroy();
      chat.destroy();
      list.destroy();
      board.destroy();
    },
  };
  return view;
}

export const consoleView = keptView(mount);
