// The site's standalone chat page: its link, a Copy button and its QR code.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { safeHttpUrl } from '../../validation.js';
import { section } from './common.js';
import { copyButton } from './site-snippet.js';

/**
 * The chat-page card for `site`, and `show(site)` to follow a new widget key (the page's address
 * contains it). Returns `{panel, show}`.
 */
export function chatPagePanel(site) {
  const link = h('a', { class: 'chat-link', target: '_blank', rel: 'noopener', 'data-test': 'site-chat-link' });
  const qr = h('img', { class: 'chat-qr', alt: t('chatPage.qr'), width: '160', height: '160',
    'data-test': 'site-chat-qr' });
  const [copy, status] = copyButton(link, t('chatPage.copy'), 'site-chat-copy');
  let shown = 0;

  function show(next) {
    const url = safeHttpUrl(next.chat_page_url);
    if (url) link.href = url;
    else link.removeAttribute('href');
    link.textContent = next.chat_page_url || '';
    status.textContent = '';
    // The image URL stays the same when the key changes; a new query makes the browser fetch it again.
    qr.hidden = false;
    qr.src = `/api/sites/${Number(next.id)}/chat-qr.svg${shown ? `?v=${shown}` : ''}`;
    shown += 1;
  }

  qr.addEventListener('error', () => {
    qr.hidden = true;
  });
  show(site);
  const panel = section(t('chatPage.title'), h('div', { class: 'chat-page' },
    h('div', { class: 'chat-page-main' },
      h('p', { class: 'chat-page-url' }, link),
      h('div', { class: 'snippet-actions' }, copy, status)),
    qr), { description: t('chatPage.description'), test: 'chat-page-panel' });
  return { panel, show };
}
