// The presence module, run at idle in the loader's own realm: reports pages, tabs and leaving, and shows invitations.
(() => {
  // One socket per browser where it can: the tab holding the Web Lock leads, the others relay through a BroadcastChannel.
  const host = window.kefuHost;
  const page = parent;
  const doc = host.root.ownerDocument;
  const nav = navigator;
  const on = (target, name, fn) => EventTarget.prototype.addEventListener.call(target, name, fn);
  const state = () => host.parse(host.store('localStorage', 'state')) || {};
  const phone = page.matchMedia('(max-width: 480px), (pointer: coarse)').matches;
  const CSS = '.inv{bottom:88px;width:300px;max-width:calc(100vw - 40px);padding:14px 16px;box-sizing:border-box;' +
    'border-radius:14px;background:#fff;color:#1f2328;box-shadow:0 8px 30px rgba(0,0,0,.2);font:14px/1.5 sans-serif}' +
    '.inv p{margin:0 0 10px;white-space:pre-wrap;overflow-wrap:anywhere}.inv b{display:block;margin-bottom:4px}' +
    '.inv .go{width:auto;height:auto;padding:6px 14px;border-radius:8px;box-shadow:none;font:600 14px sans-serif}' +
    '.inv .no{position:absolute;top:6px;right:8px;width:24px;height:24px;background:none;color:#57606a;box-shadow:none;font:20px/1 sans-serif}' +
    '@media (prefers-color-scheme:dark){.inv{background:#161b22;color:#e6edf3}}';
  let tab = host.store('sessionStorage', 'tab');
  if (!tab) {
    tab = `t-${Math.random().toString(36).slice(2, 12)}`;
    host.store('sessionStorage', 'tab', tab);
  }
  let channel = null;
  let socket = null;
  let leading = false;
  let last = '';
  let shown = null;
  let box = null;
  let tries = 0;
  let heard = 0;
  let exitAt = 0;

  function pageFrame() {
    return {
      type: 'page', tab, url: String(page.location.href), title: String(doc.title).slice(0, 300),
      referrer: String(doc.referrer), language: String(nav.language || ''),
      visible: doc.visibilityState === 'visible', screen: phone ? 'phone' : 'desktop',
    };
  }

  /** Ours to the server: straight on the socket if we lead, else through the leader. */
  function up(frame) {
    if (leading) {
      if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
    } else if (channel) {
      channel.postMessage({ up: frame });
    }
  }

  function report() {
    const frame = pageFrame();
    last = frame.url + frame.title;
    up(frame);
  }

  /** Single-page sites change the address without loading a page: look once a second. */
  function watch() {
    const frame = pageFrame();
    if (frame.url + frame.title !== last) report();
  }

  /** From the server (or the leader): show or hide an invitation. */
  function down(frame) {
    if (frame.type === 'invitation' && frame.invitation && Number.isInteger(frame.invitation.id)) show(frame.invitation);
    else if (frame.type === 'invitation_withdrawn' && shown && frame.invitation_id === shown.id) hide();
  }

  function show(invitation) {
    if (shown && shown.id === invitation.id) return;
    hide();
    shown = invitation;
    const site = state().site || {};
    const en = site.language === 'en';
    if (!host.root.querySelector('.invcss')) host.root.appendChild(Object.assign(doc.createElement('style'), { className: 'invcss', textContent: CSS }));
    box = doc.createElement('div');
    box.className = 'inv';
    box.setAttribute('data-test', 'kefu-invitation');
    box.setAttribute('role', 'dialog');
    const agent = invitation.agent && typeof invitation.agent.name === 'string' ? invitation.agent.name : '';
    if (agent) box.appendChild(doc.createElement('b')).textContent = agent.slice(0, 80);
    box.appendChild(doc.createElement('p')).textContent = String(invitation.message || '').slice(0, 500);
    const go = box.appendChild(doc.createElement('button'));
    go.className = 'go';
    go.textContent = en ? 'Chat now' : '立即咨询';
    go.setAttribute('data-test', 'kefu-invitation-accept');
    const no = box.appendChild(doc.createElement('button'));
    no.className = 'no';
    no.textContent = '×';
    no.setAttribute('aria-label', en ? 'Close' : '关闭');
    no.setAttribute('data-test', 'kefu-invitation-decline');
    on(go, 'click', () => answer('accepted'));
    on(no, 'click', () => answer('declined'));
    host.wrap.appendChild(box);
    host.top();
  }

  function hide() {
    if (box) box.remove();
    box = shown = null;
  }

  function answer(reply) {
    if (!shown) return;
    up({ type: 'invitation_reply', invitation_id: shown.id, reply });
    hide();
    if (reply === 'accepted') host.api('open');
  }

  // -- the leader's socket

  function lead() {
    leading = true;
    connect();
  }

  async function token() {
    const known = state().token;
    if (typeof known === 'string') return known;
    const frame = pageFrame();
    const response = await fetch(`${host.base}/api/widget/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ site_key: host.siteKey, presence: true, page: { url: frame.url.slice(0, 1000), title: frame.title, referrer: frame.referrer.slice(0, 1000) } }),
    });
    if (!response.ok) throw new Error(`session ${response.status}`);
    const answer = await response.json();
    const now = state();
    // The site card without its availability: the chat asks for that itself when it opens.
    now.site = { ...now.site, ...answer.site };
    // A first visit: the launcher speaks the site's language from now on (shown or hidden as it is).
    host.applySite(now.site, host.root.querySelector('button').hidden);
    if (typeof answer.visitor_token !== 'string') {
      // Not tracked here (the site tracks nobody before a chat): remember it, stay silent.
      host.store('localStorage', 'state', JSON.stringify(now));
      return null;
    }
    if (typeof now.token === 'string') return now.token; // the chat got one meanwhile
    now.token = answer.visitor_token;
    host.store('localStorage', 'state', JSON.stringify(now));
    return now.token;
  }

  async function connect() {
    if (!leading) return; // a retry due after the page went into the back/forward cache
    let visitorToken;
    try {
      visitorToken = await token();
    } catch (e) {
      return later();
    }
    if (!visitorToken) return;
    const ws = new WebSocket(`${host.base.replace(/^http/, 'ws')}/api/widget/ws`);
    socket = ws;
    heard = Date.now();
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', site_key: host.siteKey, visitor_token: visitorToken }));
    ws.onmessage = (event) => {
      heard = Date.now();
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (!frame || typeof frame !== 'object') return;
      if (frame.type === 'ping') {
        ws.send('{"type":"pong"}');
      } else if (frame.type === 'hello') {
        tries = 0;
        report();
        if (channel) channel.postMessage({ lead: 1 }); // the others tell the new leader their pages
      } else if (frame.type === 'invitation' || frame.type === 'invitation_withdrawn') {
        down(frame);
        if (channel) channel.postMessage({ down: frame });
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4001 && state().token === visitorToken) {
        // The token is no longer known: a new session gives a new one.
        const now = state();
        delete now.token;
        host.store('localStorage', 'state', JSON.stringify(now));
      }
      if (event.code !== 4003 && event.code !== 4400) later();
    };
  }

  function later() {
    const wait = Math.min(15000, 500 * 2 ** tries++) * (0.8 + Math.random() * 0.4);
    setTimeout(connect, wait);
  }

  /** Take part: join the tabs' channel and queue for the lock (or lead alone), and report the page. */
  function join() {
    if (nav.locks && window.BroadcastChannel) {
      channel = new BroadcastChannel(`${host.prefix}presence`);
      channel.onmessage = ({ data }) => {
        if (!data || typeof data !== 'object') return;
        if (data.up && leading) up(data.up);
        else if (data.down && typeof data.down === 'object') down(data.down);
        else if (data.lead && !leading) report();
      };
      // Held while the page shows: when it goes, the next tab in line leads. Aborting drops
      // the request while it waits, and releases the lock once held.
      const stop = new AbortController();
      join.stop = stop;
      nav.locks.request(`${host.prefix}presence`, { signal: stop.signal }, () => new Promise((release) => {
        stop.signal.onabort = release;
        lead();
      })).catch(() => {});
    } else {
      lead();
    }
    report();
  }

  /**
   * Leave (`pagehide`): after `tab_closed`, give up the lock, the channel and the socket. A page
   * holding them is kept out of the back/forward cache (another page of the site waits for the
   * lock; a message arrives on the channel), so leaving lets it in; `pageshow` joins again.
   */
  function leave() {
    up({ type: 'tab_closed', tab });
    const ws = socket;
    socket = null; // closed by us: no reconnect
    leading = false;
    if (ws) ws.close();
    if (channel) channel.close();
    channel = null;
    if (join.stop) join.stop.abort();
  }

  function start() {
    if (start.done) return;
    start.done = true;
    join();
    setInterval(() => {
      watch();
      // A dead link may never close: nothing heard for 2.5 pings means a new socket.
      if (socket && Date.now() - heard > 50000) socket.close();
    }, 1000);
    on(doc, 'visibilitychange', () => up({ type: 'tab', tab, visible: doc.visibilityState === 'visible' }));
    on(page, 'pagehide', leave);
    // Back from the cache: join a moment later, as the page we came from may still hold the lock
    // on its way into the cache (asking for it now would evict that page).
    on(page, 'pageshow', (event) => { if (event.persisted) setTimeout(join, 1000); });
    if (!phone) {
      on(doc, 'mouseout', (event) => {
        if (event.relatedTarget || event.clientY > 0 || Date.now() - exitAt < 10000) return;
        exitAt = Date.now();
        up({ type: 'exit_intent', tab });
      });
    }
  }

  const site = state().site || {};
  const dnt = nav.doNotTrack === '1' || page.doNotTrack === '1' || nav.globalPrivacyControl === true;
  // A browser that asks not to be tracked is, where the site honours it, until the visitor opens the chat.
  if (dnt && site.honour_dnt !== false) host.api('on', 'open', start);
  else start();
})();
