// Draws a conversation's messages: bubbles by sender, notes, system lines, attachments, delivery state.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { getLanguage, t } from '../../i18n.js';
import { attachmentUrl, dayKey, formatClock, formatDateTime, formatSize, systemText } from '../../console/present.js';

const STATE_LABELS = { sending: 'console.state.sending', sent: 'console.state.sent', read: 'console.state.read',
  failed: 'console.state.failed' };

function attachmentNode(message) {
  const url = attachmentUrl(message.attachment);
  if (!url) return null;
  const name = message.attachment.name || t('console.preview.file');
  if (message.kind === 'image') {
    return h('a', { class: 'msg-image-link', href: url, target: '_blank', rel: 'noopener noreferrer' },
      h('img', { class: 'msg-image', src: url, alt: name, loading: 'lazy' }));
  }
  return h('a', { class: 'msg-file', href: url, target: '_blank', rel: 'noopener noreferrer' },
    h('span', { class: 'msg-file-icon', 'aria-hidden': 'true' }),
    h('span', { class: 'msg-file-name' }, name),
    h('span', { class: 'msg-file-size' }, formatSize(message.attachment.size)));
}

function stateNode(item, actions) {
  if (item.state === 'received') return null;
  const label = h('span', { class: `msg-state msg-state-${item.state}` }, t(STATE_LABELS[item.state]));
  if (item.state !== 'failed') return label;
  const reason = item.entry?.error ? errorMessage(item.entry.error, t) : '';
  return h('span', { class: 'msg-failed' }, label, reason ? ` · ${reason}` : null,
    h('button', { type: 'button', class: 'link-button', onclick: () => actions.edit(item) }, t('console.failed.edit')),
    h('button', { type: 'button', class: 'link-button', onclick: () => actions.discard(item) }, t('console.failed.discard')));
}

/** The entries an answer worded by the company's model came from (agents only; visitors never get them). */
function sourcesNode(message) {
  const sources = Array.isArray(message.bot?.sources) ? message.bot.sources : [];
  const questions = sources.filter((s) => s && typeof s.question === 'string' && s.question).map((s) => s.question.slice(0, 200));
  if (!questions.length) return null;
  return h('div', { class: 'msg-sources', 'data-test': 'chat-message-sources' },
    h('span', { class: 'msg-sources-label' }, `${t('console.bot.sources')} `),
    h('ul', {}, questions.map((question) => h('li', {}, question))));
}

function messageNode(item, me, actions) {
  const { message } = item;
  const sender = message.sender?.type || 'system';
  const attrs = {
    'data-test': 'chat-message', 'data-seq': message.seq ?? '', 'data-kind': message.kind,
    'data-state': item.state, 'data-sender': sender,
  };
  if (message.kind === 'system') {
    return h('div', { ...attrs, class: 'msg msg-system' }, h('span', { class: 'msg-system-text', title: formatDateTime(message.created_at, getLanguage()) },
      systemText(message, t)));
  }
  const mine = sender === 'agent' && message.sender.id === me.id;
  const classes = ['msg', `msg-${sender}`, mine ? 'msg-mine' : '', message.kind === 'note' ? 'msg-note' : '',
    item.entry ? 'is-local' : ''].filter(Boolean).join(' ');
  // The answer bot's part of a chat (before a hand-over) is shown with its name, marked as a bot.
  const showName = message.kind === 'note' || (sender === 'agent' && !mine) || sender === 'bot';
  return h('div', { ...attrs, class: classes },
    message.kind === 'note' || showName ? h('div', { class: 'msg-head' },
      message.kind === 'note' ? h('span', { class: 'msg-note-label' }, t('console.note.label')) : null,
      showName ? h('span', { class: 'msg-name' }, message.sender.name || '') : null,
      sender === 'bot' ? h('span', { class: 'msg-bot-label' }, ` · ${t('console.bot.label')}`) : null) : null,
    h('div', { class: 'msg-bubble' },
      attachmentNode(message),
      message.body ? h('div', { class: 'msg-text' }, message.body) : null),
    sourcesNode(message),
    h('div', { class: 'msg-foot' },
      h('time', { datetime: message.created_at || '', title: formatDateTime(message.created_at, getLanguage()) },
        formatClock(message.created_at, { locale: getLanguage() })),
      stateNode(item, actions)));
}

function dayNode(iso) {
  const today = dayKey(new Date().toISOString());
  const label = dayKey(iso) === today ? t('console.today')
    : new Date(iso).toLocaleDateString(getLanguage(), { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' });
  return h('div', { class: 'msg-day', role: 'separator' }, h('span', {}, label));
}

function signature(item) {
  const { message } = item;
  return [message.seq, message.kind, message.body, item.state, item.entry?.error?.code || '',
    item.entry?.error?.field || '', item.entry?.error?.message || '',
    message.attachment?.id || '', message.sender?.name || '',
    (message.bot?.sources || []).length].join('\u0001');
}

/**
 * A message list that redraws by key: unchanged messages keep their nodes (so images do not
 * reload and the scroll position holds). `actions` = `{edit(item), discard(item)}` for failed ones.
 */
export function createMessagesView({ me, actions }) {
  const container = h('div', { class: 'messages', role: 'log', 'aria-live': 'polite', 'data-test': 'chat-messages' });
  const cache = new Map();

  function entriesFor(items) {
    const entries = [];
    let lastDay = null;
    for (const item of items) {
      const day = dayKey(item.message.created_at);
      if (day && day !== lastDay) {
        entries.push({ key: `d${day}`, sig: `${day}|${getLanguage()}`, build: () => dayNode(item.message.created_at) });
        lastDay = day;
      }
      entries.push({ key: item.key, sig: signature(item), build: () => messageNode(item, me, actions) });
    }
    return entries;
  }

  function reconcile(entries) {
    const keep = new Set();
    let previous = null;
    for (const entry of entries) {
      let cached = cache.get(entry.key);
      if (!cached || cached.sig !== entry.sig) {
        cached?.node.remove();
        cached = { sig: entry.sig, node: entry.build() };
        cache.set(entry.key, cached);
      }
      keep.add(entry.key);
      const expected = previous ? previous.nextSibling : container.firstChild;
      if (cached.node !== expected) container.insertBefore(cached.node, expected);
      previous = cached.node;
    }
    for (const [key, cached] of cache) {
      if (!keep.has(key)) {
        cached.node.remove();
        cache.delete(key);
      }
    }
  }

  function nearBottom() {
    return container.scrollHeight - container.scrollTop - container.clientHeight < 60;
  }

  function toBottom() {
    container.scrollTop = container.scrollHeight;
  }

  // Images change the height when they load; stay at the bottom if we were there.
  container.addEventListener('load', () => {
    if (container.dataset.stick === 'true') toBottom();
  }, true);
  container.addEventListener('scroll', () => {
    container.dataset.stick = nearBottom() ? 'true' : 'false';
  }, { passive: true });

  return {
    element: container,
    /** Draw `items`; `reset` for a different conversation (starts at the bottom). */
    render(items, { reset = false, forceBottom = false } = {}) {
      if (reset) {
        container.replaceChildren();
        cache.clear();
      }
      const stick = reset || forceBottom || nearBottom();
      reconcile(entriesFor(items));
      if (stick) {
        toBottom();
        container.dataset.stick = 'true';
      }
    },
    /** Scroll to and briefly highlight message `seq`; false when it is not drawn (yet). */
    reveal(seq) {
      const node = container.querySelector(`[data-test="chat-message"][data-seq="${Number(seq)}"]`);
      if (!node) return false;
      node.scrollIntoView({ block: 'center' });
      container.dataset.stick = 'false';
      node.classList.add('is-highlight');
      setTimeout(() => node.classList.remove('is-highlight'), 2500);
      return true;
    },
  };
}
