// The middle column: the open conversation's header and actions, messages, typing preview and input.
import { h, replaceIfChanged } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { t } from '../../i18n.js';
import { ratingStars, visitorName } from '../../console/present.js';
import * as actions from './actions.js';
import { siteCardNode } from './site-card.js';
import { createComposer } from './composer.js';
import { createMessagesView } from './messages-view.js';
import { createSuggestions } from './suggestions.js';

function statusBadge(conversation, rt) {
  if (conversation.status === 'closed') return h('span', { class: 'badge badge-closed' }, t('console.status.closed'));
  if (conversation.status === 'bot') return h('span', { class: 'badge badge-bot', 'data-test': 'chat-bot-badge' }, t('console.status.bot'));
  if (conversation.status === 'pending') return h('span', { class: 'badge badge-waiting' }, t('console.status.pending'));
  if (conversation.assignee_id === null) return h('span', { class: 'badge badge-waiting' }, t('console.status.waiting'));
  if (conversation.assignee_id === rt.me.id) return h('span', { class: 'badge badge-mine' }, t('console.status.mine'));
  return h('span', { class: 'badge' }, t('console.status.assigned', { name: rt.agentName(conversation.assignee_id) }));
}

/** The visitor's rating of a closed conversation: stars and their comment. */
function ratingBadge(conversation) {
  const stars = ratingStars(conversation.rating);
  if (!stars) return null;
  const comment = typeof conversation.rating_comment === 'string' ? conversation.rating_comment.trim() : '';
  return h('span', { class: 'conv-rating', 'data-test': 'conv-rating', 'data-rating': conversation.rating,
    title: comment || null },
  h('span', { class: 'conv-rating-stars', role: 'img', 'aria-label': t('console.rating.label', { rating: conversation.rating }) },
    stars),
  comment ? h('span', { class: 'conv-rating-comment' }, comment) : null);
}

/** `onBack()` returns to the list and `onInfo()` shows the visitor panel (one-column layouts). */
export function createChatPane({ ctx, rt, onBack, onInfo }) {
  let shownId = null;
  let composerId = null;
  const header = h('header', { class: 'chat-head' });
  const banner = h('div', { class: 'chat-banner', hidden: true });
  const status = h('div', { class: 'chat-status', hidden: true });
  const typingLine = h('div', { class: 'chat-typing', 'data-test': 'typing-preview', 'aria-live': 'polite', hidden: true });
  let composer = null;
  const messages = createMessagesView({
    me: rt.me,
    actions: {
      edit: (item) => {
        composer.restore(item.message.body);
        rt.discard(item.entry.client_id);
      },
      discard: (item) => rt.discard(item.entry.client_id),
    },
  });
  composer = createComposer({
    rt, notify: ctx.notify,
    onSent: () => messages.render(rt.engine.items(shownId), { forceBottom: true }),
    onReopen: () => {
      const conversation = rt.engine.store.get(shownId);
      if (conversation) actions.reopen(ctx, rt, conversation).then(() => composer.focus());
    },
  });
  const suggestions = createSuggestions({ api: ctx.api, me: rt.me, onInsert: (text) => composer.insertText(text) });
  const empty = h('div', { class: 'chat-empty' },
    h('span', { class: 'empty-icon', 'aria-hidden': 'true' }),
    h('h2', {}, t('console.chat.none')),
    h('p', { class: 'muted' }, t('console.chat.noneHint')),
    h('ul', { class: 'chat-keys muted' },
      ['console.keys.switch', 'console.keys.search', 'console.keys.input', 'console.keys.canned', 'console.keys.suggest']
        .map((key) => h('li', {}, t(key)))));
  const body = h('div', { class: 'chat-body' }, header, banner, status, messages.element, typingLine,
    suggestions.element, composer.element);
  const element = h('section', { class: 'console-chat', 'aria-label': t('console.chat.label'),
    'data-drop-label': t('console.upload.drop') }, empty, body);

  bindDrop(element, (files) => composer.uploadFiles(files));

  function drawHeader(conversation) {
    const site = rt.siteOf(conversation.site_id);
    const can = actions.availableActions(conversation, rt.me);
    // The buttons act on the conversation as it is when clicked: the header is kept while
    // nothing it shows changes (replaceIfChanged), so its handlers may outlive this render.
    const now = () => rt.engine.store.get(conversation.id) || conversation;
    const button = (label, test, onclick, kind = 'button-small') => h('button', {
      type: 'button', class: `button ${kind}`, 'data-test': test, onclick,
    }, label);
    replaceIfChanged(header,
      h('button', { type: 'button', class: 'button button-quiet chat-back', onclick: onBack,
        'aria-label': t('console.back') }, '←'),
      h('div', { class: 'chat-title' },
        h('h2', {}, visitorName(conversation.visitor, t)),
        h('div', { class: 'chat-sub' }, statusBadge(conversation, rt),
          conversation.missed ? h('span', { class: 'badge' }, t('console.status.missed')) : null,
          site ? siteCardNode(site, rt.companyOf(site)) : null,
          ratingBadge(conversation))),
      h('div', { class: 'chat-actions' },
        can.claim ? button(t('console.claim'), 'chat-claim', () => actions.claim(ctx, rt, now())
          .then(() => composer.focus()), 'button-small button-primary') : null,
        can.botTakeOver ? button(t('console.bot.takeOver'), 'chat-take-over-bot', () => actions.takeOverFromBot(ctx, rt, now())
          .then(() => composer.focus()), 'button-small button-primary') : null,
        can.takeOver ? button(t('console.takeOver'), 'chat-take-over', () => actions.takeOver(ctx, rt, now())
          .then(() => composer.focus())) : null,
        can.transfer ? button(t('console.transfer'), 'chat-transfer', () => actions.transfer(ctx, rt, now())) : null,
        can.close ? button(t('console.close'), 'chat-close', () => actions.close(ctx, rt, now())) : null,
        button(t('console.info'), 'chat-info', onInfo, 'button-small chat-info-toggle')));
  }

  function drawBanner(conversation) {
    const other = conversation.status === 'open' && conversation.assignee_id !== null
      && conversation.assignee_id !== rt.me.id;
    const waiting = conversation.status === 'open' && conversation.assignee_id === null;
    const pending = conversation.status === 'pending';
    const bot = conversation.status === 'bot';
    const name = other ? rt.agentName(conversation.assignee_id) : '';
    banner.hidden = !other && !waiting && !pending && !bot;
    if (bot) {
      banner.className = 'chat-banner chat-banner-bot';
      banner.dataset.test = 'chat-bot-banner';
      banner.textContent = t('console.bot.banner');
      return;
    }
    delete banner.dataset.test;
    banner.className = `chat-banner ${waiting || pending ? 'chat-banner-waiting' : ''}`;
    if (other && rt.presence.mayLead) {
      // A supervisor in someone else's chat listens in; the composer only whispers until they take over.
      banner.replaceChildren(h('strong', { class: 'chat-monitoring', 'data-test': 'chat-monitoring' }, t('console.monitor.label')),
        ' ', t('console.monitor.hint', { name }));
      banner.classList.add('chat-banner-monitor');
      return;
    }
    banner.textContent = waiting ? t('console.banner.waiting') : pending ? t('console.banner.pending')
      : other ? t('console.banner.assigned', { name }) : '';
  }

  function drawStatus(id) {
    const timeline = rt.engine.timelines.get(id);
    const details = rt.details.get(id);
    const error = timeline?.error || (!rt.engine.store.get(id) && details?.error);
    status.hidden = !error && !(rt.isLoadingMessages(id) && !timeline?.messages.length);
    if (error) {
      status.replaceChildren(h('span', { role: 'alert' }, errorMessage(error, t)), ' ',
        h('button', { type: 'button', class: 'link-button', onclick: () => {
          rt.retryMessages(id);
          rt.fetchConversation(id);
        } }, t('action.retry')));
    } else {
      status.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('app.loading'));
    }
  }

  function drawTyping(id) {
    const typing = rt.engine.visitorTyping(id);
    typingLine.hidden = !typing;
    if (!typing) return;
    typingLine.replaceChildren(
      h('span', { class: 'chat-typing-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      h('span', { class: 'chat-typing-label' }, t('console.typing')),
      h('span', { class: 'chat-typing-draft', hidden: !typing.draft }, typing.draft));
  }

  return {
    element,
    composer,
    /** Alt+1..3: insert a suggested answer; true when there was one to insert. */
    insertSuggestion: (index) => suggestions.insert(index),
    destroy: () => suggestions.destroy(),
    render({ reattached = false } = {}) {
      const id = rt.engine.activeId;
      empty.hidden = id !== null;
      body.hidden = id === null;
      if (id === null) {
        shownId = null;
        composerId = null;
        composer.setConversation(null);
        suggestions.update(null, []);
        return;
      }
      const conversation = rt.engine.store.get(id);
      const switched = id !== shownId || reattached;
      shownId = id;
      if (conversation && composerId !== id) {
        composer.setConversation(conversation);
        composerId = id;
      } else if (!conversation && switched) {
        composer.setConversation(null);
        composerId = null;
      } else if (conversation) {
        composer.update(conversation);
      }
      if (conversation) {
        drawHeader(conversation);
        drawBanner(conversation);
      } else {
        header.replaceChildren(h('div', { class: 'chat-title' }, h('h2', {}, t('console.conversation', { id }))));
        banner.hidden = true;
      }
      drawStatus(id);
      const items = rt.engine.items(id);
      messages.render(items, { reset: switched });
      suggestions.update(conversation, items);
      drawTyping(id);
      const target = rt.scrollTarget;
      if (target?.id === id && rt.engine.timelines.get(id)?.loaded && messages.reveal(target.seq)) rt.scrollTarget = null;
    },
  };
}

/** Files dropped anywhere on the chat column are uploaded. */
function bindDrop(element, upload) {
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  element.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    element.classList.add('is-dragging');
  });
  element.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) element.classList.remove('is-dragging');
  });
  element.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  element.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    element.classList.remove('is-dragging');
    upload([...event.dataTransfer.files]);
  });
}
