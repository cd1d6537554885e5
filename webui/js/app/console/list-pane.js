// The left column: my status, search, alert switches, sites, the tabs (mine/waiting/…/closed) and their lists.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { getLanguage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import {
  formatClock, listedAgent, listedUnread, previewText, queueEstimate, queueText, siteCard, snippetParts, visitorName,
} from '../../console/present.js';
import { AGENT_STATUSES } from '../../console/presence.js';
import { viewsFor } from '../../console/store.js';
import { siteCardNode } from './site-card.js';

const TAB_KEY = 'kefu.console.tab';
const SEARCH_DELAY_MS = 300;
const QUEUE_TICK_MS = 30000;

function storedTab(views) {
  try {
    const tab = sessionStorage.getItem(TAB_KEY);
    return views.includes(tab) ? tab : views[0];
  } catch {
    return views[0];
  }
}

/** A chat the answer bot serves: the visitor's last question and the bot's reply with its confidence. */
function botLines(last) {
  if (!last) return null;
  const confidence = typeof last.confidence === 'number' && Number.isFinite(last.confidence)
    ? t('console.bot.confidence', { percent: Math.round(Math.min(1, Math.max(0, last.confidence)) * 100) }) : '';
  const action = last.action ? t(`console.bot.action.${last.action}`) : '';
  return h('span', { class: 'conv-bot', 'data-test': 'conv-bot-last' },
    h('span', { class: 'conv-preview conv-bot-question', 'data-test': 'conv-bot-question' },
      `${t('console.bot.asked')} `, last.question_kind && last.question_kind !== 'text'
        ? t(`console.preview.${last.question_kind}`) : (last.question ?? '')),
    last.reply !== null && last.reply !== undefined ? h('span', { class: 'conv-preview conv-bot-reply', 'data-test': 'conv-bot-reply' },
      `${t('console.bot.replied')} `, last.reply,
      action || confidence ? h('span', { class: 'conv-bot-confidence', 'data-test': 'conv-bot-confidence' },
        ` · ${[action, confidence].filter(Boolean).join(' ')}`) : null) : null);
}

function initial(name) {
  return [...(name || '?')][0].toUpperCase();
}

/** My status: a select sending the `status` frame; it shows what the server answered. */
function createStatusPicker(rt) {
  const picker = h('select', {
    class: 'status-select', 'data-test': 'agent-status', 'aria-label': t('console.presence.label'),
    onchange: () => rt.presence.choose(picker.value),
  }, AGENT_STATUSES.map((status) => h('option', { value: status }, t(`console.presence.${status}`))));
  const note = h('span', { class: 'status-note', 'data-test': 'agent-status-note', role: 'status' });
  const element = h('label', { class: 'status-picker' },
    h('span', { class: 'status-dot', 'aria-hidden': 'true' }), picker, note);
  return {
    element,
    draw() {
      const { status, wanted, statusError } = rt.presence;
      const shown = wanted ?? status;
      if (AGENT_STATUSES.includes(shown)) picker.value = shown;
      element.dataset.status = status || 'unknown';
      picker.dataset.status = status || '';
      note.textContent = statusError ? errorMessage(statusError, t)
        : status && !AGENT_STATUSES.includes(status) ? t(`console.presence.${status}`) : '';
      note.classList.toggle('is-error', Boolean(statusError));
    },
  };
}

/** `onOpen(id, seq?)` opens a conversation (a list item, or a search hit at message `seq`); `onBoard()` the team board. */
export function createListPane({ ctx, rt, onOpen, onBoard }) {
  const views = viewsFor(rt.me.role);
  const state = { view: storedTab(views), siteId: null, query: '', results: null, searchError: null, searching: false };
  let searchTimer = null;
  let searchCount = 0;

  const search = h('input', {
    type: 'search', class: 'console-search', 'data-test': 'search-input', placeholder: t('console.search.placeholder'),
    'aria-label': t('console.search.label'), maxlength: '100', autocomplete: 'off',
  });
  const alertsButton = h('button', { type: 'button', class: 'button button-small', 'data-test': 'alerts-enable',
    onclick: () => rt.alerts.requestPermission() });
  const muteButton = h('button', { type: 'button', class: 'button button-small', 'data-test': 'mute-toggle',
    onclick: () => rt.alerts.soundClicked(muteButton.dataset.state) });
  const soundBanner = h('div', { class: 'sound-banner', 'data-test': 'sound-banner', role: 'alert', hidden: true },
    h('span', {}, t('console.sound.blockedHint')),
    h('button', { type: 'button', class: 'button button-small button-primary', 'data-test': 'sound-enable',
      onclick: () => rt.alerts.soundClicked('blocked') }, t('console.sound.enable')));
  const watchButton = rt.presence.mayLead ? h('button', { type: 'button', class: 'button button-small',
    'data-test': 'queue-watch-toggle', title: t('console.watch.hint'),
    onclick: () => rt.alerts.toggleWatchQueue() }) : null;
  const boardButton = rt.presence.mayLead ? h('button', { type: 'button', class: 'button button-small',
    'data-test': 'open-supervisor-board', onclick: () => onBoard() }, t('console.board.open')) : null;
  const statusPicker = createStatusPicker(rt);
  const sitesRow = h('div', { class: 'console-sites', 'data-test': 'console-sites' });
  const tabs = h('div', { class: 'console-tabs', role: 'tablist', 'aria-label': t('console.tabs') });
  const body = h('div', { class: 'console-list-body' });
  const element = h('section', { class: 'console-list', 'aria-label': t('console.conversations') },
    h('div', { class: 'console-list-head' },
      h('h1', { class: 'visually-hidden', tabindex: '-1' }, t('console.title')),
      h('div', { class: 'console-me' }, statusPicker.element, boardButton),
      search,
      h('div', { class: 'console-tools' }, alertsButton, muteButton, watchButton,
        h('a', { class: 'button button-small', href: hrefFor('canned'), 'data-test': 'nav-canned' }, t('nav.canned'))),
      soundBanner, sitesRow, tabs),
    body);

  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      clearTimeout(searchTimer);
      runSearch();
    } else if (event.key === 'Escape') {
      event.preventDefault(); // keep the results; the console's Esc moves to the message input
    }
  });
  search.addEventListener('search', () => {
    clearTimeout(searchTimer);
    runSearch();
  });

  async function runSearch() {
    const query = search.value.trim();
    state.query = query;
    const count = ++searchCount;
    if (!query) {
      state.results = null;
      state.searchError = null;
      draw();
      return;
    }
    state.searching = true;
    draw();
    try {
      const { results } = await rt.search(query);
      if (count !== searchCount) return;
      state.results = results;
      state.searchError = null;
    } catch (error) {
      if (count !== searchCount) return;
      state.results = [];
      state.searchError = error;
    }
    state.searching = false;
    draw();
  }

  function drawTools() {
    const permission = rt.alerts.permission();
    alertsButton.textContent = t(`console.alerts.${permission}`);
    alertsButton.disabled = permission !== 'ask';
    alertsButton.title = permission === 'unsupported' ? t('console.alerts.unsupportedHint') : '';
    const sound = rt.alerts.sound();
    muteButton.textContent = t(`console.sound.${sound}`);
    muteButton.dataset.state = sound;
    muteButton.disabled = sound === 'unsupported';
    muteButton.setAttribute('aria-pressed', sound === 'on' ? 'true' : 'false');
    soundBanner.hidden = sound !== 'blocked';
    if (watchButton) {
      const watching = rt.alerts.watchQueue;
      watchButton.textContent = t(watching ? 'console.watch.on' : 'console.watch.off');
      watchButton.setAttribute('aria-pressed', watching ? 'true' : 'false');
    }
    statusPicker.draw();
    boardButton?.setAttribute('aria-pressed', rt.presence.board.open ? 'true' : 'false');
  }

  function drawSites() {
    if (!rt.sites.length) {
      sitesRow.replaceChildren(h('p', { class: 'muted', 'data-test': 'console-no-sites' }, t('console.noSites')));
      return;
    }
    const chip = (label, siteId, color = null) => {
      const button = h('button', {
        type: 'button', class: 'chip chip-button', 'data-test': siteId === null ? 'console-site-all' : 'console-site',
        'aria-pressed': state.siteId === siteId ? 'true' : 'false',
        onclick: () => {
          state.siteId = siteId;
          draw();
        },
      }, color ? h('span', { class: 'site-dot', 'aria-hidden': 'true' }) : null, label);
      if (color) button.style.setProperty('--site-color', color);
      return button;
    };
    const several = rt.sites.length > 1;
    sitesRow.replaceChildren(...(several ? [chip(t('console.sites.all'), null)] : []),
      ...rt.sites.map((site) => chip(site.name, several ? site.id : null,
        several ? siteCard(site, rt.companyOf(site)).color : null)));
  }

  function drawTabs() {
    const counts = rt.engine.store.counts({ siteId: state.siteId });
    tabs.replaceChildren(...views.map((view) => h('button', {
      type: 'button', role: 'tab', class: 'console-tab', 'data-test': `conv-tab-${view}`,
      'aria-selected': view === state.view ? 'true' : 'false',
      onclick: () => {
        state.view = view;
        try { sessionStorage.setItem(TAB_KEY, view); } catch { /* memory only */ }
        draw();
      },
    }, t(`console.tab.${view}`),
    h('span', { class: 'console-tab-count', 'data-test': 'conv-tab-count' },
      `${counts[view].count}${counts[view].more ? '+' : ''}`))));
  }

  function conversationItem(conversation) {
    const name = visitorName(conversation.visitor, t);
    const typing = rt.engine.visitorTyping(conversation.id);
    const site = rt.sites.length > 1 ? rt.siteOf(conversation.site_id) : null;
    const agent = listedAgent(conversation, rt.me.id);
    const unread = listedUnread(conversation);
    const queue = rt.engine.queueOf(conversation.id);
    const late = rt.engine.isUnanswered(conversation.id);
    const item = h('li', {},
      h('a', {
        class: `conv-item${unread ? ' has-unread' : ''}${site ? ' has-site' : ''}`,
        href: hrefFor('console', { id: conversation.id }),
        'data-test': 'conv-item', 'data-id': conversation.id,
        'aria-current': conversation.id === rt.engine.activeId ? 'true' : null,
        onclick: (event) => {
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          onOpen(conversation.id);
        },
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial(name)),
      h('span', { class: 'conv-main' },
        h('span', { class: 'conv-top' },
          h('span', { class: 'conv-name' }, name),
          h('time', { class: 'conv-time', datetime: conversation.last_activity_at || '' },
            formatClock(conversation.last_activity_at, { locale: getLanguage() }))),
        conversation.status === 'bot' && conversation.bot_last ? botLines(conversation.bot_last)
          : h('span', { class: `conv-preview${typing ? ' is-typing' : ''}` },
            typing ? t('console.typing') : previewText(conversation.last_message, t)),
        queue ? h('span', { class: 'conv-queue', 'data-test': 'conv-queue', title: queueEstimate(queue, t) || null },
          queueText(queue, t)) : null,
        site || agent || late || conversation.missed || conversation.status === 'pending'
          ? h('span', { class: 'conv-meta' },
          late ? h('span', { class: 'conv-flag', 'data-test': 'conv-unanswered' },
            t('console.status.unanswered')) : null,
          conversation.status === 'pending' ? h('span', { class: 'conv-flag' }, t('console.status.pending')) : null,
          conversation.missed ? h('span', { class: 'conv-flag' }, t('console.status.missed')) : null,
          site ? siteCardNode(site, rt.companyOf(site), { compact: true }) : null,
          agent ? h('span', { 'data-test': 'conv-agent' }, t(agent.past ? 'console.status.servedBy' : 'console.status.assigned',
            { name: rt.agentName(agent.agentId) })) : null)
          : null),
      h('span', { class: 'conv-unread', 'data-test': 'conv-unread', hidden: !unread,
        'aria-label': t('console.unread', { count: unread }) }, String(unread))));
    // With several sites each row carries its site's colour, so whose customer it is shows at a glance.
    if (site) item.firstElementChild.style.setProperty('--site-color', siteCard(site, rt.companyOf(site)).color);
    return item;
  }

  function resultItem(result) {
    const conversation = rt.engine.store.get(result.conversation_id);
    const name = conversation ? visitorName(conversation.visitor, t) : t('console.conversation', { id: result.conversation_id });
    const snippet = snippetParts(result.body, state.query).map((part) =>
      (part.match ? h('mark', {}, part.text) : part.text));
    return h('li', {},
      h('button', {
        type: 'button', class: 'conv-item search-result', 'data-test': 'search-result',
        'data-id': result.conversation_id, 'data-seq': result.seq,
        onclick: () => onOpen(result.conversation_id, result.seq),
      },
      h('span', { class: 'conv-main' },
        h('span', { class: 'conv-top' },
          h('span', { class: 'conv-name' }, name),
          h('time', { class: 'conv-time' }, formatClock(result.created_at, { locale: getLanguage() }))),
        h('span', { class: 'conv-preview' },
          result.kind === 'note' ? `${t('console.preview.note')} ` : null, snippet))));
  }

  function message(text, { role = null, retry = null } = {}) {
    return h('div', { class: 'console-list-message', role },
      h('p', {}, text), retry ? h('button', { type: 'button', class: 'button button-small', onclick: retry }, t('action.retry')) : null);
  }

  function drawSearch() {
    const head = h('div', { class: 'search-head' },
      h('span', {}, state.searching ? t('console.search.searching') : t('console.search.results', { count: state.results?.length ?? 0 })),
      h('button', { type: 'button', class: 'link-button', onclick: () => {
        search.value = '';
        runSearch();
      } }, t('console.search.clear')));
    const results = (state.results || []).filter((result) => state.siteId === null || result.site_id === state.siteId);
    body.replaceChildren(head,
      state.searchError ? message(errorMessage(state.searchError, t), { role: 'alert', retry: runSearch })
        : results.length || state.searching ? h('ul', { class: 'conv-list' }, results.map(resultItem))
          : message(t('console.search.none')));
  }

  function drawList() {
    const view = state.view;
    const list = rt.engine.store.list(view, { siteId: state.siteId });
    const error = rt.listErrors[view];
    const page = rt.engine.store.pages[view];
    const nodes = [];
    if (error) nodes.push(message(t('console.list.failed', { reason: errorMessage(error, t) }), { role: 'alert', retry: () => rt.loadLists() }));
    if (list.length) nodes.push(h('ul', { class: 'conv-list' }, list.map(conversationItem)));
    else if (!error && page.loaded) nodes.push(message(t(`console.empty.${view}`)));
    else if (!error) nodes.push(h('div', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('app.loading')));
    if (page.hasMore) {
      nodes.push(h('button', { type: 'button', class: 'button button-small console-more', disabled: Boolean(rt.listLoading[view]),
        onclick: () => rt.loadMore(view) }, t('console.list.more')));
    }
    body.replaceChildren(...nodes);
  }

  function draw() {
    drawTools();
    drawSites();
    drawTabs();
    if (state.query) drawSearch();
    else drawList();
  }

  const offAlerts = rt.alerts.onChange(drawTools);
  // Waiting times move on by themselves.
  const ticker = setInterval(() => {
    if (element.isConnected && !state.query) drawList();
  }, QUEUE_TICK_MS);

  return {
    element,
    render: draw,
    destroy() {
      offAlerts();
      clearInterval(ticker);
    },
    focusSearch() {
      search.focus();
      search.select();
    },
    /** Conversation ids in the order shown, for Alt+↑/↓. */
    visibleIds() {
      return rt.engine.store.list(state.view, { siteId: state.siteId }).map((conversation) => conversation.id);
    },
    /** Show the tab that holds `conversation` if the current one does not. */
    reveal(view) {
      if (views.includes(view)) state.view = view;
      draw();
    },
  };
}
