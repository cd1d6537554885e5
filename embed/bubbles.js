// One message of the list: text with safe links, an image or a file, its time and delivery state.
import { h } from './dom.js';
import { formatSize, formatTime, linkify } from './format.js';
import { systemLine } from './i18n.js';

const FAILURES = { too_long: 'too_long', too_large: 'too_large', unsupported: 'unsupported', upload: 'upload_failed', identify_first: 'identify_first' };

/**
 * `item`: a stored message or an outbox entry ({seq?, client_id, kind, body, sender, name,
 * attachment, created_at}). `files`: {image(attachment, clientId) → Promise<url>, download(attachment), loaded()}.
 */
export function messageItem(item, state, t, files) {
  const sender = item.sender || 'visitor';
  const li = h('li', {
    class: `msg ${sender}`, 'data-test': 'kefu-message', 'data-sender': sender, 'data-seq': item.seq,
  });
  if (sender === 'system') {
    li.append(h('span', { class: 'sys', text: systemLine(t, item.body, item.name) }));
  } else {
    const bubble = h('div', { class: 'bubble' });
    if (item.attachment) bubble.append(attachmentNode(item, t, files));
    if (item.body) bubble.append(...textNodes(item.body));
    const who = sender === 'agent' ? `${item.name || t('agent')} ` : sender === 'bot' ? `${item.name} · ${t('bot')} ` : '';
    li.append(bubble, h('div', { class: 'meta' }, `${who}${formatTime(item.created_at)}`,
      sender === 'visitor' ? h('span', { class: 'state' }) : null));
  }
  setState(li, state, t);
  return li;
}

/** `state`: sending | sent | read | failed (with `code`, the reason). */
export function setState(li, state, t, code) {
  li.dataset.state = state;
  const label = li.querySelector('.state');
  if (!label) return;
  const reason = code && t(FAILURES[code] || 'refused');
  label.textContent = ` · ${t(state)}` + (reason ? ` · ${reason}` : '');
}

function textNodes(body) {
  return linkify(body).map((part) => (part.href
    ? h('a', { href: part.href, target: '_blank', rel: 'noopener noreferrer nofollow', text: part.text })
    : document.createTextNode(part.text)));
}

function attachmentNode(item, t, files) {
  const a = item.attachment;
  const label = `${a.name} · ${formatSize(a.size)}`;
  if (a.kind === 'image' || item.kind === 'image') {
    const img = h('img', { alt: a.name || t('image'), onload: () => files.loaded() });
    const link = h('a', { class: 'img', target: '_blank', rel: 'noopener', title: label }, img);
    files.image(a, item.client_id).then((url) => {
      img.src = url;
      link.href = url;
    }, () => link.replaceWith(fileLink(a, label, files)));
    return link;
  }
  return fileLink(a, label, files);
}

function fileLink(a, label, files) {
  return h('a', {
    class: 'file', href: '#', text: `📄 ${label}`,
    onclick(event) {
      event.preventDefault();
      if (a.id) files.download(a);
    },
  });
}
