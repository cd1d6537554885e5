// The loader's link to the chat, run inside the loader's own blank frame: the panel, its iframe, and the messages between them.
(() => {
  // This realm is ours: its JSON, Promise and prototypes are the browser's, whatever the page did.
  // `parent` is the page; `kefuHost` was left here by loader.js.
  const host = window.kefuHost;
  const page = parent;
  const origin = new URL(host.base).origin;
  const CSS = '.panel{bottom:88px;width:370px;height:min(620px,calc(100% - 108px));border-radius:14px;' +
    'overflow:hidden;background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.18)}iframe{width:100%;height:100%;border:0}' +
    '@media (max-width:480px){.k .panel{inset:0;width:auto;height:auto;border-radius:0}.open button{display:none}}' +
    '@media (prefers-color-scheme:dark){.panel{background:#161b22}}';
  let open = false;
  let panel = null;
  let frame = null;
  let loaded = false; // until then, init carries the state

  function load() {
    if (frame) return;
    // Elements of this realm's document, adopted into the page: their methods are this realm's too.
    const style = document.createElement('style');
    style.textContent = CSS;
    host.root.appendChild(style);
    panel = document.createElement('div');
    panel.className = 'panel';
    panel.hidden = !open;
    frame = document.createElement('iframe');
    frame.title = host.title;
    frame.setAttribute('data-test', 'kefu-frame');
    frame.setAttribute('allow', 'autoplay');
    frame.addEventListener('load', init);
    frame.src = `${host.base}/chat/${encodeURIComponent(host.siteKey)}#embed`;
    panel.appendChild(frame);
    host.wrap.appendChild(panel);
  }

  /** The frame keeps no state of its own: it gets the page's storage here and writes back with `set`. */
  function init() {
    loaded = true;
    const storage = {};
    for (const key of ['state', 'outbox', 'history', 'chime']) storage[host.prefix + key] = host.store('localStorage', key);
    const doc = host.root.ownerDocument;
    post({
      type: 'init', storage, open, identify: host.identify,
      page: { url: String(page.location.href), title: String(doc.title), referrer: String(doc.referrer) },
    });
  }

  function post(message) {
    if (loaded) host.post(frame.contentWindow, { ...message, kefu: 1 }, origin);
  }

  /** Only from our frame, on the appliance's origin. */
  function received(event) {
    const m = event.data;
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin || m?.kefu !== 1) return;
    if (m.type === 'set') {
      const key = String(m.key);
      const ok = key.startsWith(host.prefix)
        && host.store('localStorage', key.slice(host.prefix.length), m.value == null ? null : String(m.value));
      post({ type: 'stored', id: m.id, ok });
    } else if (m.type === 'site') {
      host.applySite(m.site || {}, m.hidden === true);
      frame.title = host.title;
    } else if (m.type === 'emit') {
      if (m.event === 'open' || m.event === 'close') show(m.event === 'open', true);
      else host.emit(m.event, m.data);
    }
  }

  function show(wanted, fromFrame) {
    load();
    if (wanted === open) return;
    open = wanted;
    panel.hidden = !open;
    host.wrap.classList.toggle('open', open);
    host.store('sessionStorage', 'open', open ? '1' : null);
    if (!fromFrame) post({ type: 'open', open });
    if (open) {
      host.top();
      frame.focus();
    }
    host.emit(open ? 'open' : 'close');
  }

  host.run = (command) => {
    if (command === 'load') load();
    else if (command === 'identify') post({ type: 'identify', identify: host.identify });
    else show(command === 'toggle' ? !open : command === 'open');
  };
  EventTarget.prototype.addEventListener.call(page, 'message', received);
  // Another tab of this site changed our keys.
  addEventListener('storage', (event) => {
    if (event.key?.startsWith(host.prefix)) post({ type: 'storage', key: event.key, value: event.newValue });
  });
  for (let i = 0; i < host.later.length; i++) host.run(host.later[i][0]);
})();
