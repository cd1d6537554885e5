// The supervisors' team board: every agent of a site with status and load, and the site's live chats.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { formatList, t } from '../../i18n.js';
import { queueEstimate, queueText, visitorName, wholeMinutes } from '../../console/present.js';
import { liveConversations, loadShare, loadText, sortAgents, statusCounts } from '../../console/presence.js';

const TICK_MS = 30000;

function minutesSince(iso, now) {
  const start = Date.parse(iso || '');
  return Number.isNaN(start) ? 0 : wholeMinutes(Math.max(0, now - start));
}

/** `onOpen(id)` opens a conversation (to monitor, whisper or take over); `onClose()` hides the board. */
export function createBoardPane({ rt, onOpen, onClose }) {
  const sitePicker = h('select', { class: 'board-site', 'data-test': 'board-site', 'aria-label': t('console.board.site'),
    onchange: () => rt.presence.openBoard(rt.sites, Number(sitePicker.value)) });
  const summary = h('p', { class: 'board-summary muted', 'data-test': 'board-summary' });
  const agentsBody = h('div', { class: 'board-section-body' });
  const chatsBody = h('div', { class: 'board-section-body' });
  const element = h('section', { class: 'console-board', 'data-test': 'supervisor-board', 'aria-label': t('console.board.title'),
    hidden: true },
  h('header', { class: 'board-head' },
    h('button', { type: 'button', class: 'button button-quiet board-back', onclick: onClose, 'aria-label': t('console.back') }, '←'),
    h('h2', {}, t('console.board.title')),
    sitePicker,
    h('button', { type: 'button', class: 'button button-small', 'data-test': 'close-supervisor-board', onclick: onClose },
      t('console.board.close'))),
  summary,
  h('section', { class: 'board-section' }, h('h3', {}, t('console.board.agents')), agentsBody),
  h('section', { class: 'board-section' }, h('h3', {}, t('console.board.chats')), chatsBody));

  function drawSites(board) {
    const options = rt.sites.map((site) => String(site.id));
    if (sitePicker.options.length !== options.length || [...sitePicker.options].some((o, i) => o.value !== options[i])) {
      sitePicker.replaceChildren(...rt.sites.map((site) => h('option', { value: String(site.id) }, site.name)));
    }
    sitePicker.value = board.siteId === null ? '' : String(board.siteId);
    sitePicker.hidden = rt.sites.length < 2;
  }

  function agentRow(agent) {
    const share = loadShare(agent);
    const teams = formatList((agent.team_ids || []).map((id) => rt.presence.teamName(id)));
    return h('tr', { 'data-test': 'board-agent', 'data-id': agent.id, 'data-status': agent.status },
      h('td', { class: 'board-agent-name' }, agent.display_name, agent.id === rt.me.id ? ` (${t('user.you')})` : null),
      h('td', {}, h('span', { class: `presence presence-${agent.status}` }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
        t(`console.presence.${agent.status}`))),
      h('td', { class: `board-load${share >= 1 ? ' is-full' : ''}`, 'data-test': 'board-agent-load' }, loadText(agent)),
      h('td', { class: 'muted' }, teams || '—'));
  }

  function drawAgents(board) {
    if (board.error && !board.agents.length) {
      agentsBody.replaceChildren(h('p', { role: 'alert' }, errorMessage(board.error, t), ' ',
        h('button', { type: 'button', class: 'link-button', onclick: () => rt.presence.loadBoard() }, t('action.retry'))));
      summary.textContent = '';
      return;
    }
    if (!board.loaded) {
      agentsBody.replaceChildren(h('div', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('app.loading')));
      summary.textContent = '';
      return;
    }
    const counts = statusCounts(board.agents);
    summary.textContent = t('console.board.summary', counts);
    agentsBody.replaceChildren(board.agents.length
      ? h('table', { class: 'board-table' },
        h('thead', {}, h('tr', {}, ...['name', 'status', 'load', 'teams'].map((key) => h('th', { scope: 'col' }, t(`console.board.col.${key}`))))),
        h('tbody', {}, sortAgents(board.agents).map(agentRow)))
      : h('p', { class: 'muted' }, t('console.board.noAgents')));
  }

  function chatRow(conversation, now) {
    const queue = rt.engine.queueOf(conversation.id);
    const waiting = conversation.assignee_id === null;
    return h('li', {},
      h('button', { type: 'button', class: 'board-chat', 'data-test': 'board-conversation', 'data-id': conversation.id,
        'data-waiting': waiting ? 'true' : 'false', onclick: () => onOpen(conversation.id) },
      h('span', { class: 'board-chat-name' }, visitorName(conversation.visitor, t)),
      h('span', { class: 'board-chat-agent' }, waiting ? t('console.status.waiting') : rt.agentName(conversation.assignee_id)),
      h('span', { class: 'board-chat-time muted', title: queueEstimate(queue, t) || null }, waiting
        ? queueText(queue, t)
        : t('console.board.duration', { minutes: minutesSince(conversation.created_at, now) })),
      conversation.unread > 0 ? h('span', { class: 'conv-unread' }, String(conversation.unread)) : null));
  }

  function drawChats(board) {
    const list = board.siteId === null ? [] : liveConversations(rt.engine.store, board.siteId, rt.me);
    const now = Date.now();
    chatsBody.replaceChildren(list.length ? h('ul', { class: 'board-chats' }, list.map((c) => chatRow(c, now)))
      : h('p', { class: 'muted' }, t('console.empty.open')));
  }

  const ticker = setInterval(() => {
    if (element.isConnected && !element.hidden) drawChats(rt.presence.board);
  }, TICK_MS);

  return {
    element,
    render() {
      const board = rt.presence.board;
      element.hidden = !board.open;
      if (!board.open) return;
      drawSites(board);
      drawAgents(board);
      drawChats(board);
    },
    destroy() {
      clearInterval(ticker);
    },
  };
}
