// The console's live state for the whole signed-in page: engine + socket + HTTP, shared by its views.
import { SETTLE_MS } from '../../console/alert-rules.js';
import { CatchUp } from '../../console/catch-up.js';
import { ConsoleEngine, TYPING_TTL_MS } from '../../console/engine.js';
import { Outbox } from '../../console/outbox.js';
import { viewsFor } from '../../console/store.js';
import { Drafts } from '../../console/drafts.js';
import { BoardWatch } from '../../reports/board-model.js';
import { followVisitor } from '../../console/visitor-info.js';
import { createAlerts } from './alerts.js';
import { createLiveVisitors } from './live.js';
import { createPresence } from './presence.js';

const PAGE = 50;
const MESSAGE_PAGE = 200;
const SYNC_PATIENCE_MS = 8000;

function storage(name) {
  try { return globalThis[name] || null; } catch { return null; }
}

/** What a console before localStorage left in this tab's sessionStorage moves over, once. */
function moveFromSession(outbox, drafts, { outboxKey, draftsKey }) {
  const session = storage('sessionStorage');
  try {
    const entries = JSON.parse(session?.getItem(outboxKey) || '[]');
    const old = JSON.parse(session?.getItem(draftsKey) || '{}');
    outbox.take(entries);
    for (const [id, draft] of Object.entries(old && typeof old === 'object' ? old : {})) {
      if (typeof draft?.body === 'string' && !drafts.get(id).body) drafts.set(id, draft);
    }
    session?.removeItem(outboxKey);
    session?.removeItem(draftsKey);
  } catch { /* nothing to move */ }
}

/**
 * Create the runtime once per signed-in page (main.js). Views read `engine`, `sites`, `details`…
 * and call the actions; `subscribe(fn)` redraws them (batched per animation frame).
 */
export function createConsoleRuntime({ api, me, t, navigate, notify = () => {} }) {
  // Unsent messages and drafts outlive the tab (a closed tab, a crash, a restart) and are shared
  // by the user's tabs: localStorage, one item each per user (outbox.js says how tabs agree).
  const local = storage('localStorage');
  const outboxKey = `kefu.outbox.${me.id}`;
  const draftsKey = `kefu.drafts.${me.id}`;
  const engine = new ConsoleEngine({ me, outbox: new Outbox({ storage: local, key: outboxKey }) });
  const rt = {
    me, engine, t,
    drafts: new Drafts({ storage: local, key: draftsKey }),
    sites: [], companies: [], agents: [], canned: [],
    details: new Map(), listErrors: {}, listLoading: {}, link: 'connecting', scrollTarget: null,
  };
  moveFromSession(engine.outbox, rt.drafts, { outboxKey, draftsKey });
  const listeners = new Set();
  const fetching = new Map();
  const loadingMessages = new Map();
  let socket = null;
  let frame = 0;
  let linked = () => {};
  const firstLink = new Promise((resolve) => { linked = resolve; });
  let helloCount = 0;

  const alerts = createAlerts({
    t, onOpen: (id) => navigate(`#/console/${id}`), channel: `kefu.console.alerts.${me.id}`,
  });
  rt.alerts = alerts;
  const followAlerts = () => { engine.rules.watchQueue = alerts.watchQueue; };
  followAlerts();
  alerts.onChange(followAlerts);
  const presence = createPresence({ api, me, send: (data) => sendFrame(data), changed: () => changed() });
  rt.presence = presence;
  rt.live = createLiveVisitors({ api, me, t, send: (data) => sendFrame(data), notify: (...args) => notify(...args) });
  const board = new BoardWatch((data) => sendFrame(data));
  /** Watch a company's live board over this socket (reports' board page); returns how to stop. */
  rt.watchBoard = (spec, listener) => {
    const token = board.watch(spec, listener);
    return () => board.stop(token);
  };

  function changed() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      alerts.setCount(engine.store.attentionCount());
      for (const listener of listeners) listener();
    });
  }
  rt.changed = changed;
  rt.subscribe = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  function sendFrame(data) {
    return Boolean(socket?.send(data));
  }

  function apply(out) {
    for (const data of out.send) {
      if (!sendFrame(data) && data.type === 'read') postRead(data);
    }
    for (const id of out.fetch) fetchConversation(id);
    for (const id of out.settle) setTimeout(() => apply(engine.settle(id)), SETTLE_MS);
    for (const alert of out.alerts) {
      alerts.fire(alert, engine.store.get(alert.conversationId), { activeId: engine.activeId });
    }
    changed();
  }

  function postRead({ conversation_id: id, seq }) {
    api.post(`/api/conversations/${id}/read`, { seq }).catch(() => {});
  }

  rt.attach = (link) => {
    socket = link;
  };

  /**
   * Whether this page shows the workbench (the conversation view): only then does the server count
   * me as present and route chats to me (protocol.md, the `workbench` frame). Said again after
   * every reconnect, since a new socket starts away from it.
   */
  let atWorkbench = false;
  rt.setWorkbench = (present) => {
    if (present === atWorkbench) return;
    atWorkbench = present;
    sendFrame({ type: 'workbench', present });
  };

  rt.onFrame = (data) => {
    if (presence.handle(data) || rt.live.handle(data) || board.handle(data)) return;
    if (data.type === 'visitor') {
      if (followVisitor(rt.details, engine.store, data.visitor)) changed();
      return;
    }
    apply(engine.handle(data));
    if (data.type === 'typing') setTimeout(changed, TYPING_TTL_MS + 50);
  };

  // Another tab changed the outbox: take it in. What it wrote and has still not sent a while
  // later (its socket down, or the tab closed) this tab sends, if its own socket is up.
  window.addEventListener('storage', (event) => {
    if (!local || event.storageArea !== local || (event.key !== null && event.key !== outboxKey)) return;
    const { changed: moved, adopted } = engine.outbox.refresh();
    if (adopted.length) {
      const ids = new Set(adopted.map((entry) => entry.client_id));
      setTimeout(() => {
        if (!engine.connected) return; // the next connect sends every pending entry
        for (const entry of engine.outbox.pending()) {
          // (A conversation syncing resends its own after `synced`.)
          if (ids.has(entry.client_id) && !engine.resendAfterSync.has(entry.conversation_id)) {
            sendFrame(Outbox.frame(entry));
          }
        }
      }, SYNC_PATIENCE_MS);
    }
    if (moved) changed();
  });

  /** Messages not delivered, of every tab of mine (sign-out warns of them). */
  rt.unsentCount = () => {
    engine.outbox.refresh();
    return engine.outbox.unsent().length;
  };
  /** Sign-out: my unsent messages and drafts leave this browser. */
  rt.forget = () => {
    engine.outbox.forget();
    rt.drafts.forget();
  };

  rt.onHello = (user, status = null) => {
    helloCount += 1;
    engine.outbox.refresh();
    presence.hello(status);
    if (atWorkbench) sendFrame({ type: 'workbench', present: true });
    rt.live.hello();
    board.hello();
    const out = engine.onConnected();
    apply(out);
    for (const id of engine.resendAfterSync) {
      setTimeout(() => apply(engine.flushPending(id)), SYNC_PATIENCE_MS);
    }
    if (helloCount > 1) catchUp();
  };

  /**
   * After a reconnect: reload the lists and say once what came meanwhile (chats given to me,
   * unread messages), which no frame announced; then the open chat is read if it is in front of me.
   */
  async function catchUp() {
    const news = new CatchUp(me, { reading: (id) => engine.isReading(id) });
    await loadLists({ news });
    const alert = news.alert();
    apply({ send: [], alerts: alert ? [alert] : [], fetch: [], settle: [] });
    markRead();
  }

  rt.onState = (state) => {
    rt.link = state;
    if (state === 'open') linked();
    if (state !== 'open') engine.disconnected();
    changed();
  };

  /** One page of a list; `news` (a CatchUp) compares it with the store first. */
  async function loadView(view, { more = false, news = null } = {}) {
    const params = new URLSearchParams({ view, limit: String(PAGE) });
    if (more) {
      const cursor = engine.store.cursor(view);
      if (cursor) params.set('before', cursor);
    }
    rt.listLoading[view] = true;
    changed();
    try {
      const { conversations } = await api.get(`/api/conversations?${params}`);
      news?.note(engine.store, conversations);
      const stale = engine.store.loadPage(view, conversations, { replace: !more && view !== 'closed', limit: PAGE });
      stale.forEach(fetchConversation);
      delete rt.listErrors[view];
    } catch (error) {
      rt.listErrors[view] = error;
    } finally {
      rt.listLoading[view] = false;
      changed();
    }
  }

  async function loadLists({ news = null } = {}) {
    await Promise.all(viewsFor(me.role).map((view) => loadView(view, { news })));
  }
  rt.loadLists = () => loadLists();
  rt.loadMore = (view) => loadView(view, { more: true });

  /** Conversation, visitor and previous conversations; deduplicated while in flight. */
  function fetchConversation(id) {
    if (fetching.has(id)) return fetching.get(id);
    const request = api.get(`/api/conversations/${id}`).then((answer) => {
      // A snapshot read before newer frames arrived (the chat was assigned or closed meanwhile:
      // each adds a line, so a higher last_seq) must not undo them.
      const known = engine.store.get(id);
      if (!known || (known.last_seq ?? 0) <= (answer.conversation?.last_seq ?? 0)) {
        engine.store.applyConversation(answer.conversation);
      }
      rt.details.set(id, { visitor: answer.visitor || null, previous: answer.previous || [] });
      return answer;
    }).catch((error) => {
      rt.details.set(id, { ...(rt.details.get(id) || {}), error });
      return null;
    }).finally(() => {
      fetching.delete(id);
      changed();
    });
    fetching.set(id, request);
    return request;
  }
  rt.fetchConversation = fetchConversation;

  async function loadMessages(id) {
    const timeline = engine.track(id);
    if (timeline.loaded || loadingMessages.has(id)) return;
    loadingMessages.set(id, true);
    try {
      for (let after = timeline.lastSeq; ;) {
        const page = await api.get(`/api/conversations/${id}/messages?after_seq=${after}&limit=${MESSAGE_PAGE}`);
        const messages = page.messages || [];
        const complete = messages.length < MESSAGE_PAGE;
        engine.loadMessages(id, page, complete);
        changed();
        if (complete) break;
        after = messages[messages.length - 1].seq;
      }
      timeline.error = null;
    } catch (error) {
      timeline.error = error;
    } finally {
      loadingMessages.delete(id);
      markRead();
      changed();
    }
  }
  rt.isLoadingMessages = (id) => loadingMessages.has(id);
  rt.retryMessages = (id) => loadMessages(id);

  /** Show conversation `id` (or none) in the chat pane. */
  rt.open = (id) => {
    engine.activeId = id;
    if (id !== null) {
      if (!rt.details.has(id)) fetchConversation(id);
      loadMessages(id);
      markRead();
    }
    changed();
  };

  function markRead() {
    const data = engine.activeId === null ? null : engine.readFrameFor(engine.activeId);
    if (data) apply({ send: [data], alerts: [], fetch: [], settle: [] });
  }

  function updateAttention() {
    engine.attentive = document.visibilityState === 'visible' && document.hasFocus();
    alerts.setAttention(document.hidden, document.hasFocus());
    markRead();
    changed();
  }
  document.addEventListener('visibilitychange', updateAttention);
  window.addEventListener('focus', updateAttention);
  window.addEventListener('blur', updateAttention);

  /** Queue and send a message; over HTTP when the socket is down. */
  rt.send = (id, { kind, body, attachment = null }) => {
    const { entry, frame: data } = engine.compose(id, { kind, body, attachment });
    changed();
    if (!sendFrame(data)) sendOverHttp(entry);
    return entry;
  };

  async function sendOverHttp(entry) {
    const body = { client_id: entry.client_id, kind: entry.kind, body: entry.body };
    if (entry.attachment_id != null) body.attachment_id = entry.attachment_id;
    try {
      const ack = await api.post(`/api/conversations/${entry.conversation_id}/messages`, body);
      engine.httpAnswer(entry.client_id, { ack });
    } catch (error) {
      engine.httpAnswer(entry.client_id, { error });
    }
    changed();
  }

  rt.discard = (clientId) => {
    engine.outbox.remove(clientId);
    changed();
  };

  rt.typing = (id, typing) => sendFrame({ type: 'typing', conversation_id: id, typing });

  async function act(id, path, body = {}) {
    engine.expectOwnAction(id);
    let answer;
    try {
      answer = await api.post(`/api/conversations/${id}/${path}`, body);
    } catch (error) {
      engine.ownActions.delete(id);
      throw error;
    }
    engine.store.applyConversation(answer.conversation);
    markRead();
    changed();
    return answer.conversation;
  }
  rt.claim = (id) => act(id, 'claim');
  rt.takeOverFromBot = (id) => act(id, 'take-over');
  rt.close = (id) => act(id, 'close');
  rt.reopen = (id) => act(id, 'reopen');
  rt.transfer = (id, agentId, note) => act(id, 'transfer', note ? { agent_id: agentId, note } : { agent_id: agentId });
  rt.transferTargets = (id) => api.get(`/api/conversations/${id}/transfer-targets`);
  rt.upload = (id, file) => api.upload(`/api/conversations/${id}/upload`, file);
  rt.search = (q) => api.get(`/api/search?${new URLSearchParams({ q, limit: '50' })}`);

  rt.loadCanned = async () => {
    const { canned_replies: replies } = await api.get('/api/canned-replies');
    rt.canned = replies;
    changed();
    return replies;
  };

  async function loadDirectory() {
    const [{ sites }, { companies }] = await Promise.all([api.get('/api/sites'), api.get('/api/companies')]);
    rt.sites = sites;
    rt.companies = companies;
  }

  /**
   * Load what the console needs; rejects only when the sites cannot be read. It also waits (briefly)
   * for the socket, so the console appears live rather than a moment before it is.
   */
  rt.start = async () => {
    await Promise.all([loadDirectory(), Promise.race([firstLink, new Promise((resolve) => setTimeout(resolve, 2000))])]);
    updateAttention();
    loadLists();
    rt.loadCanned().catch(() => {});
    api.get('/api/agents').then(({ agents }) => { rt.agents = agents; changed(); }, () => {});
  };

  rt.siteOf = (siteId) => rt.sites.find((site) => site.id === siteId) || null;
  rt.companyOf = (site) => rt.companies.find((company) => company.id === site?.company_id) || null;
  rt.agentName = (id) => (id === me.id ? me.display_name : rt.agents.find((agent) => agent.id === id)?.display_name || `#${id}`);
  return rt;
}
