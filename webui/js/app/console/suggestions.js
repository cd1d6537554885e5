// Suggested answers beside a live chat: the knowledge base's top 3 for the visitor's last message, inserted with Alt+1..3 or a click.
import { h, replaceIfChanged } from '../../dom.js';
import { t } from '../../i18n.js';
import { lastVisitorMessage, SuggestionFeed } from '../../kb/suggest.js';
import { writeMode } from '../../console/store.js';

/**
 * `update(conversation, items)` follows the open chat (asks again only when the visitor wrote
 * something new); `insert(index)` puts that answer's text into the composer (true if it did).
 * A failed request hides the strip: suggestions never stand in the chat's way.
 */
export function createSuggestions({ api, me, onInsert }) {
  const list = h('ol', { class: 'suggest-list' });
  const element = h('section', { class: 'suggest', 'data-test': 'kb-suggestions', hidden: true, 'aria-label': t('console.suggest.label') },
    h('span', { class: 'suggest-title muted' }, t('console.suggest.title')), list);
  const feed = new SuggestionFeed({
    load: ({ siteId, text }, signal) => api.post(`/api/sites/${siteId}/kb/suggest`, { text, limit: 3 }, { signal })
      .then((answer) => answer.suggestions),
    onChange: draw,
  });

  function draw(state) {
    element.dataset.status = state.status;
    const shown = state.status === 'ready' && state.suggestions.length > 0;
    element.hidden = !shown;
    if (!shown) return;
    replaceIfChanged(list, state.suggestions.map(({ entry }, index) => h('li', {},
      h('button', {
        type: 'button', class: 'suggest-item', 'data-test': 'kb-suggestion', 'data-id': String(entry.id),
        title: entry.answer_text, onmousedown: (event) => event.preventDefault(), onclick: () => insert(index),
      },
      h('kbd', { class: 'suggest-key' }, `Alt+${index + 1}`),
      h('span', { class: 'suggest-question' }, entry.question),
      h('span', { class: 'suggest-answer' }, entry.answer_text)))));
  }

  function insert(index) {
    const found = feed.state.status === 'ready' ? feed.state.suggestions[index] : null;
    return found ? onInsert(found.entry.answer_text) : false;
  }

  return {
    element,
    insert,
    update(conversation, items) {
      const latest = conversation && writeMode(conversation, me) === 'write' ? lastVisitorMessage(items) : null;
      if (!latest) {
        feed.want(null);
        return;
      }
      feed.want(`${conversation.id}:${latest.seq ?? latest.text}`, { siteId: conversation.site_id, text: latest.text });
    },
    destroy: () => feed.stop(),
  };
}
