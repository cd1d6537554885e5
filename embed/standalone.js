// The chat page on its own (/chat/<site key>, page.js loads this with import() there, never in the panel): the chat full-window,
// and the page reports itself on the chat's socket as a website's presence module does (docs/protocol.md, "Presence").
import { mount } from './chat.js';
import { safeStorage } from './store.js';

const tab = `c-${Math.random().toString(36).slice(2, 12)}`;
const page = { url: location.href, title: document.title, referrer: document.referrer };
let link = null;
let reported = false;

const send = (frame) => link?.send(frame);

/** `ctx`: {root, wrap, base, siteKey} from page.js; `warn` when storage is unavailable. */
export function start(ctx, warn) {
  const storage = safeStorage(globalThis.localStorage, warn);
  storage.listen = (fn) => addEventListener('storage', (event) => fn(event.key));
  addEventListener('visibilitychange', () => send({ type: 'tab', tab, visible: document.visibilityState === 'visible' }));
  addEventListener('pagehide', () => send({ type: 'tab_closed', tab }));
  return mount({ ...ctx, storage, standalone: true, identify: null, emit() {}, page, linked: report });
}

/**
 * The link came up, or a message was acknowledged (`conversation`: a chat is going). The page goes up on every link, and once
 * more with the first chat: a site that tracks nobody before a chat dropped the reports before it. Over long-polling the
 * frames go nowhere (the session recorded the page).
 */
export function report(transport, conversation) {
  link = transport;
  if (conversation && reported) return;
  reported ||= Boolean(conversation);
  send({
    type: 'page', tab, url: page.url, title: document.title.slice(0, 300), referrer: page.referrer,
    language: String(navigator.language || ''), visible: document.visibilityState === 'visible',
    screen: matchMedia('(max-width: 480px), (pointer: coarse)').matches ? 'phone' : 'desktop',
  });
}
