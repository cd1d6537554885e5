// The chat page (/chat/<site key>): full-window on its own, or the panel in a website's iframe (#embed), linked by postMessage.
import { mount } from './chat.js';
import { relayStorage } from './store.js';

const parts = location.pathname.split('/');
const siteKey = decodeURIComponent(parts.pop() || parts.pop() || '');
// Everything before /chat/<key> is the appliance's address (it may sit behind a path prefix).
const base = location.origin + location.pathname.replace(/\/chat\/[^/]*\/?$/, '');
const host = document.createElement('kefu-widget');
const root = host.attachShadow({ mode: 'open' });
const wrap = document.createElement('div');
wrap.className = 'k';
root.append(wrap);
document.body.append(host);
const warn = () => console.warn('kefu: storage is unavailable; unsent messages are kept only while this page is open');

if (location.hash === '#embed' && parent !== window) {
  addEventListener('message', embedded);
} else {
  import('./standalone.js').then((m) => m.start({ root, wrap, base, siteKey }, warn));
}

/**
 * Inside the website's page: loader.js (bridge.js) sends `init` first; from then on only messages
 * from that parent window and origin count, and ours go to that origin alone.
 */
function embedded(event) {
  const init = event.data;
  if (event.source !== parent || init?.kefu !== 1 || init.type !== 'init') return;
  removeEventListener('message', embedded);
  const origin = event.origin;
  const post = (message) => parent.postMessage({ ...message, kefu: 1 }, origin);
  const storage = relayStorage(init.storage, post, warn);
  wrap.classList.add('embed');
  const chat = mount({
    root, wrap, base, siteKey, storage, standalone: false, identify: init.identify, open: init.open === true,
    page: init.page, emit: (name, data) => post({ type: 'emit', event: name, data }),
    launcher: (site, hidden) => post({ type: 'site', site, hidden }),
  });
  addEventListener('message', async ({ source, origin: from, data: m }) => {
    if (source !== parent || from !== origin || m?.kefu !== 1) return;
    if (m.type === 'stored') storage.stored(m.id, m.ok === true);
    else if (m.type === 'storage') storage.changed(String(m.key), m.value);
    else if (m.type === 'open') (await chat)[m.open ? 'open' : 'close']();
    else if (m.type === 'identify') (await chat).identify(m.identify);
  });
}
