// The chat UI: ties the visitor session, the delivery state machine, the transport and the panel together.
import {
  Delivery, TYPING_IDLE_MS, TypingThrottle, httpOutcome, reconnectDelay,
} from './delivery.js';
import { fieldsToAsk, normalizeSite } from './format.js';
import { languageOf, translator } from './i18n.js';
import { checkBody, claim, newClientId, storageKeys } from './store.js';
import { createTransport, fetchAttachment, post } from './transport.js';
import { chime, createView, unlockSound } from './view.js';

const SYNC_GRACE_MS = 5000;
const AGENT_TYPING_SHOWN_MS = 6000;
const IDENTIFY_FIELDS = ['name', 'email', 'phone', 'attributes', 'user_id', 'signature'];
const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp)$/;

/**
 * `ctx` from page.js: {root, wrap, base, siteKey, standalone, storage (store.js: safeStorage or
 * relayStorage, with listen(fn(key)) and flushed()), page: {url, title, referrer} (the website's),
 * identify, open, emit(event, data), launcher?(site, hidden), linked?(transport, conversation) (the
 * link came up, or a message was acknowledged)}. Resolves with the controls behind
 * kefu('open' | 'close' | 'toggle' | 'identify').
 */
export async function mount(ctx) {
  const { base, siteKey, storage } = ctx;
  const page = pageOf(ctx.page);
  const keys = storageKeys(siteKey);
  const delivery = new Delivery({ storage, siteKey });
  const typing = new TypingThrottle();
  const previews = new Map();
  const images = new Map();
  let site = normalizeSite(delivery.site, base);
  let lang = languageOf(site.language);
  let t = translator(await loadCatalog(lang));
  let pageIdentity = cleanIdentity(ctx.identify);
  let asking = false;
  let refused = null;
  let transport = null;
  let started = false;
  let unread = -1;
  let wish = false;
  let typingTimer = 0;
  let idleTimer = 0;
  let agentTypingTimer = 0;
  let syncTimer = 0;
  let status = '';
  let category = 0;
  let extras = null;
  let leaving = null;
  let bot = null;
  let availability = {};
  let uploads = Promise.resolve();
  let sessionReady;
  const ready = new Promise((resolve) => { sessionReady = resolve; });

  const view = createView({
    root: ctx.root, wrap: ctx.wrap, t, standalone: ctx.standalone,
    files: { image, download, loaded: () => view.settle() },
    onSend: sendText, onFiles: sendFiles, onInput: typed, onOpen: openChanged, onMenu: () => more('menu'), onEmoji: () => more('emoji'),
  });
  applySite();
  run(delivery.restore());
  maybeAsk();
  ctx.wrap.addEventListener('pointerdown', unlockSound);
  storage.listen((key) => {
    if (key?.startsWith(`kefu:${siteKey}:`)) run(delivery.storageChanged(key));
  });
  document.addEventListener('visibilitychange', seen);
  start();
  if (ctx.open) view.open();

  return {
    open: () => view.open(),
    close: () => view.close(),
    toggle: () => (view.isOpen() ? view.close() : view.open()),
    identify(data) {
      pageIdentity = cleanIdentity(data);
      if (started) startSession().catch(() => {});
    },
  };

  // -- session and link

  async function start() {
    view.setTransport('offline');
    for (let attempt = 0; ; attempt += 1) {
      try {
        await startSession();
        break;
      } catch (err) {
        const outcome = httpOutcome(err.status);
        if (outcome === 'refused') return view.setTransport('stopped');
        if (outcome === 'throttled') throttled(err.retryAfter);
        await sleep(outcome === 'throttled' ? err.retryAfter : reconnectDelay(attempt));
      }
    }
    started = true;
    ctx.emit('ready', { site: { name: site.name, language: site.language } });
    transport = createTransport(base, siteKey, {
      token: () => delivery.token,
      cursors: () => delivery.cursors(),
      opened: linkUp,
      down: () => run(delivery.closed()),
      frame: (f) => run(delivery.frame(f)),
      renew: startSession,
      refused: () => (delivery.conversation ? (run(delivery.forget()), true) : false),
      mode: (mode) => view.setTransport(mode),
      throttled,
    });
    transport.start();
  }

  async function startSession() {
    const body = { site_key: siteKey, page };
    if (delivery.token) body.visitor_token = delivery.token;
    // The visitor's pre-chat answers, overridden by what the page knows (kefu('identify')).
    const identify = { ...delivery.prechat, ...pageIdentity };
    if (Object.keys(identify).length) body.identify = identify;
    let answer;
    try {
      answer = await post(base, '/api/widget/session', body);
    } catch (err) {
      if (!body.identify || (err.status !== 400 && err.status !== 403)) throw err;
      console.warn('kefu: identify refused:', err.message);
      const field = String(err.error?.field).slice(9); // identify.<field>
      if (delivery.prechat?.[field] && !pageIdentity?.[field]) {
        // The visitor's own answer: the form asks again, saying what was refused.
        refused = { field, answers: delivery.prechat };
        delivery.answerPrechat(null);
      } else if (pageIdentity) pageIdentity = null;
      else delivery.answerPrechat({});
      return startSession();
    }
    site = normalizeSite({ ...answer.site, mode: answer.availability?.mode }, base);
    availability = answer.availability && typeof answer.availability === 'object' ? answer.availability : {};
    run(delivery.session(answer, site));
    applySite();
    maybeAsk();
    offer(answer.site?.categories);
    sessionReady();
    return answer;
  }

  /** The site's pre-chat form, once, before the first message. */
  function maybeAsk() {
    const fields = fieldsToAsk(site.prechat, {
      answered: Boolean(delivery.prechat), conversation: delivery.conversation, identify: pageIdentity,
    });
    if (asking || !fields.length || site.mode === 'leave_message') return;
    asking = true;
    // The form stays until the server has the answers (or refuses one): none go without them.
    more('ask', fields, async (answers) => {
      refused = null;
      delivery.answerPrechat(answers);
      await ready;
      await startSession().catch(() => {});
      asking = Boolean(refused);
      return refused?.field;
    }, refused);
  }

  /** The leave-a-message form outside hours, or question categories before a first message. */
  function offer(categories) {
    const leave = site.mode === 'leave_message' && delivery.conversation?.status !== 'open';
    if (leave || leaving) away(leave && availability);
    if (!leave && !delivery.conversation && categories?.length) more('categories', categories);
  }

  /** A widget route with the visitor's token, once the session is there. */
  function authed(path, body) {
    return ready.then(() => post(base, path, body, { token: delivery.token }));
  }

  /** The leave-a-message form (leave.js, loaded on its own), or the composer back. */
  function away(on) {
    leaving ||= import('./leave.js').then((module) => module.createLeave({
      view, lang, known: () => ({ ...delivery.prechat, ...pageIdentity }),
      post: authed,
      changed: (conv) => run(delivery.conversationIs(conv)),
    }));
    leaving.then((leave) => leave(on), () => { leaving = null; });
  }

  /** Call a view of extras.js, loaded when first needed. */
  function more(name, ...args) {
    extras ||= import('./extras.js').then((module) => module.createExtras({
      view, delivery, lang, siteKey, known: () => ({ ...delivery.prechat, ...pageIdentity }),
      post: authed,
      changed: (conv) => run(delivery.conversationIs(conv)), pick: (id) => { category = id; },
    }));
    extras.then((x) => x[name](...args), () => { extras = null; });
  }

  /** The bot's views (bot.js, loaded when its first message or chat shows): answers, votes, choices, 转人工. */
  function bots() {
    bot ||= import('./bot.js').then((module) => module.createBot({
      view, lang, delivery, send: sendText, post: authed,
      changed: (conv) => run(delivery.conversationIs(conv)),
      leave: () => away({ ...availability, mode: 'leave_message' }),
    }));
    bot.catch(() => { bot = null; });
    return bot;
  }

  function linkUp(hello, options) {
    run(delivery.opened(hello, options));
    ctx.linked?.(transport, delivery.conversation);
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => run(delivery.syncOverdue()), SYNC_GRACE_MS);
    seen();
  }

  function applySite() {
    view.setSite(site);
    ctx.wrap.style.setProperty('--c', site.theme_color);
    ctx.wrap.classList.toggle('left', site.widget_position === 'left');
    relabel();
    if (languageOf(site.language) === lang) return;
    lang = languageOf(site.language);
    loadCatalog(lang).then((catalog) => {
      t = translator(catalog);
      view.relabel(t);
      relabel();
    }, () => {});
  }

  /** The website's launcher (loader.js) follows the site card; hidden outside hours unless a chat is open. */
  function relabel() {
    const { theme_color, widget_position, language, mode } = site;
    ctx.launcher?.({ theme_color, widget_position, language, mode }, mode === 'hidden' && delivery.conversation?.status !== 'open');
    if (ctx.standalone) document.title = site.name || t('title');
  }

  /** Carry out the delivery state machine's commands. */
  function run(cmds) {
    for (const cmd of cmds) {
      switch (cmd.type) {
        case 'send':
          // A message goes out only once the outbox holding it is stored (rule 1).
          if (cmd.frame.type === 'send') storage.flushed().then(() => transport?.send(cmd.frame));
          else if (cmd.delay) setTimeout(() => transport?.send(cmd.frame), cmd.delay);
          else transport?.send(cmd.frame);
          break;
        case 'show': {
          const li = view.show(cmd.message);
          if (li && cmd.message.sender === 'bot') bots().then((b) => b.decorate(li, cmd.message, cmd.live));
          if (cmd.live) arrived(cmd.message);
          break;
        }
        case 'bot': if (cmd.on || bot) bots().then((b) => b.serving(cmd.on)); break;
        case 'pending': view.pending(cmd.entry); break;
        case 'ack': view.ack(cmd.client_id, cmd.seq); ctx.linked?.(transport, delivery.conversation); break;
        case 'failed': view.failed(cmd.client_id, cmd.code); break;
        case 'throttled':
          throttled(cmd.ms);
          setTimeout(() => run(delivery.resend()), cmd.ms);
          break;
        case 'clear': view.clear(); break;
        case 'read': view.read(cmd.seq); break;
        case 'typing': agentTyping(cmd.typing, cmd.name); break;
        case 'status': statusIs(cmd.status); break;
        case 'queue': if (cmd.queue || extras) more('queue', cmd.queue); break;
        case 'unread': {
          // Showing a message may already have marked it read: count now.
          const count = delivery.unread();
          if (count !== unread) ctx.emit('unread', (unread = count));
          break;
        }
        default: break;
      }
    }
  }

  /** The server asked us to slow down: say so while we wait (nothing is dropped). */
  function throttled(ms) {
    view.notice(t('throttled'), ms);
  }

  function statusIs(now) {
    const ended = now === 'closed' && status === 'open';
    status = now;
    view.setStatus(now);
    if (ended || extras) more('status', now, delivery.conversation?.id, ended);
    offer();
  }

  function arrived(message) {
    ctx.emit('message', {
      seq: message.seq, kind: message.kind, body: message.body, created_at: message.created_at,
      sender: { type: message.sender, name: message.name }, attachment: message.attachment && { ...message.attachment },
    });
    if (message.sender === 'agent' && Number.isInteger(message.id) && claim(storage, keys.chime, message.id)) chime();
    seen();
  }

  /** The visitor can see the conversation, so it is read. */
  function seen() {
    if (view.isOpen() && document.visibilityState === 'visible') run(delivery.markRead());
  }

  function openChanged(open) {
    if (open) {
      // Opened by a click, or on a page the visitor has used: audio is allowed then.
      if (navigator.userActivation?.hasBeenActive !== false) unlockSound();
      seen();
    }
    ctx.emit(open ? 'open' : 'close');
  }

  // -- writing

  function sendText(text) {
    const problem = checkBody(text);
    if (problem) {
      if (problem !== 'empty') view.notice(t(problem));
      return false;
    }
    write({ kind: 'text', body: text }, newClientId());
    return true;
  }

  /** With the question category chosen before a conversation's first message. */
  function write(input, clientId) {
    if (category) more('written');
    run(delivery.write({ ...input, category_id: category }, clientId));
  }

  function sendFiles(files) {
    for (const file of files) uploads = uploads.then(() => upload(file));
  }

  /** Upload, retrying while the page lives; then it goes through the outbox like text. */
  async function upload(file) {
    const clientId = newClientId();
    const kind = /^image\//.test(file.type) ? 'image' : 'file';
    if (kind === 'image') previews.set(clientId, URL.createObjectURL(file));
    view.pending({
      client_id: clientId, kind, body: '', created_at: Date.now(),
      attachment: { id: 0, name: file.name || kind, size: file.size, kind },
    });
    await ready;
    for (let attempt = 0; ; attempt += 1) {
      const form = new FormData();
      form.append('file', file, file.name || `${kind}.png`);
      try {
        const { attachment } = await post(base, '/api/widget/upload', form, { token: delivery.token, timeout: 300000 });
        write({ kind: attachment.kind === 'image' ? 'image' : 'file', attachment }, clientId);
        return;
      } catch (err) {
        const outcome = httpOutcome(err.status);
        if (outcome === 'refused') {
          return view.failed(clientId, err.status === 413 ? 'too_large' : err.status === 415 ? 'unsupported' : 'upload');
        }
        if (outcome === 'renew') await startSession().catch(() => {});
        if (outcome === 'throttled') throttled(err.retryAfter);
        await sleep(outcome === 'throttled' ? err.retryAfter : reconnectDelay(attempt));
      }
    }
  }

  function typed(text) {
    clearTimeout(idleTimer);
    wish = text.trim() !== '';
    if (wish) idleTimer = setTimeout(() => { wish = false; typingNow(); }, TYPING_IDLE_MS);
    typingNow();
  }

  /** A wish the throttle holds back is sent at the end of its window. */
  function typingNow() {
    const conversation = delivery.conversation;
    if (!conversation || conversation.status !== 'open' || conversation.bot) return;
    const decision = typing.want(wish, Date.now());
    if (decision.wait) {
      typingTimer ||= setTimeout(() => { typingTimer = 0; typingNow(); }, decision.wait);
      return;
    }
    if (decision.send === undefined) return;
    const frame = { type: 'typing', conversation_id: conversation.id, typing: decision.send };
    if (decision.send && site.typing_preview) frame.draft = Array.from(view.draft()).slice(0, 500).join('');
    transport?.send(frame);
  }

  function agentTyping(on, name) {
    view.typing(on, name);
    clearTimeout(agentTypingTimer);
    if (on) agentTypingTimer = setTimeout(() => view.typing(false), AGENT_TYPING_SHOWN_MS);
  }

  // -- attachments

  /** The local file while it uploads, else fetched with the Bearer header (no token in URLs). */
  function image(attachment, clientId) {
    if (clientId && previews.has(clientId)) return Promise.resolve(previews.get(clientId));
    if (!attachment.id) return Promise.reject(new Error('not uploaded yet'));
    if (!images.has(attachment.id)) {
      images.set(attachment.id, ready.then(() => fetchAttachment(base, attachment.id, delivery.token)).then((blob) => {
        if (!IMAGE_TYPES.test(blob.type)) throw new Error('not an image');
        return URL.createObjectURL(blob);
      }).catch((err) => {
        images.delete(attachment.id);
        throw err;
      }));
    }
    return images.get(attachment.id);
  }

  /** Saved, never opened: retyped so that the browser cannot render it in the host page's origin. */
  async function download(attachment) {
    try {
      await ready;
      const blob = await fetchAttachment(base, attachment.id, delivery.token);
      const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = attachment.name || 'file';
      ctx.root.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch {
      view.notice(t('download_failed'));
    }
  }
}

/** The website's page as the loader saw it: text only, as the session request wants it. */
function pageOf(value) {
  const page = {};
  for (const key of ['url', 'title', 'referrer']) if (typeof value?.[key] === 'string') page[key] = value[key].slice(0, 1000);
  return page;
}

function loadCatalog(lang) {
  return import(`./lang-${lang}.js`).then((module) => module.default);
}

/** The server refuses a session with unknown identify fields. */
function cleanIdentity(data) {
  if (!data || typeof data !== 'object') return null;
  const identity = {};
  for (const key of IDENTIFY_FIELDS) if (data[key] != null) identity[key] = data[key];
  return Object.keys(identity).length ? identity : null;
}

/** A backoff pause that ends early when the browser is back online. */
function sleep(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      removeEventListener('online', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    addEventListener('online', done);
  });
}
