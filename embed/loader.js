// Kefu widget loader: kefu(...) and the launcher in the page; the chat runs in an iframe of the appliance.
(() => {
  // Pages patch globals: ours come from a blank frame's realm (R), where bridge.js runs (embed/README.md).
  const w = window;
  const d = document;
  if (w.kefu && w.kefu.loaded) return;
  const script = d.currentScript;
  const siteKey = script && script.getAttribute('data-kefu-site');
  if (!siteKey) return;
  // Where this script came from: /embed.js, or /embed/<version>/loader.js when pinned.
  const found = /^(.*?)\/embed(\/[0-9a-f]{12})?(\.js|\/loader\.js)([?#].*)?$/.exec(script.src);
  if (!found) return;
  const base = found[1];
  const prefix = `kefu:${siteKey}:`;
  const queue = (w.kefu && w.kefu.q) || [];
  const early = [];
  const on = {};
  let ready = null;
  let R, host, root, wrap, button, badge;
  const CSS = ':host{all:initial!important}[hidden]{display:none!important}.k{position:fixed;inset:auto;' +
    'width:0;height:0;margin:0;padding:0;border:0;overflow:visible;background:none}.k::backdrop{display:none}' +
    '.k>*{position:fixed;z-index:2147483647;bottom:20px;right:20px}.left>*{right:auto;left:20px}' +
    '.k{--c:#1f6feb}' +
    'button{width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--c);' +
    'color:#fff;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.22)}svg{display:block;width:28px;margin:auto;' +
    'fill:#fff}span{position:absolute;top:-3px;right:-3px;min-width:20px;padding:0 5px;box-sizing:border-box;' +
    'border-radius:10px;background:#d1242f;font:600 12px/20px sans-serif}';

  const el = (tag, parent, props) => parent.appendChild(R.Object.assign(d.createElement(tag), props));

  /** Read (`value` undefined), write a string or remove (null) one of our keys; false when that fails. */
  function store(area, key, value) {
    try {
      const s = R[area];
      if (value === undefined) return s.getItem(prefix + key);
      if (value === null) s.removeItem(prefix + key);
      else s.setItem(prefix + key, value);
      return true;
    } catch (e) {
      return value === undefined ? null : false;
    }
  }

  function parse(text) {
    try { return R.JSON.parse(text); } catch (e) { return null; }
  }

  function emit(name, data) {
    if (name === 'unread') {
      badge.hidden = !(data > 0);
      badge.textContent = data > 99 ? '99+' : data;
    }
    if (name === 'ready') ready = data;
    const list = on[name] || [];
    for (let i = 0; i < list.length; i++) call(list[i], data);
  }

  function call(fn, data) {
    try { fn(data); } catch (e) { setTimeout(() => { throw e; }); }
  }

  /** Into the top layer, above all the page draws (again after it shows a popover). */
  function top() {
    try {
      if (wrap.matches(':popover-open')) wrap.hidePopover();
      wrap.showPopover();
    } catch (e) { wrap.removeAttribute('popover'); /* the z-index holds */ }
  }

  /** The launcher's colour, side and label (the site's language: presence.js or the chat tell it on a first visit); hidden outside hours if the site says so. */
  function applySite(site, hidden) {
    wrap.classList.toggle('left', site.widget_position === 'left');
    if (/^#([0-9a-f]{3}){1,2}$/i.test(site.theme_color)) wrap.style.setProperty('--c', site.theme_color);
    const en = site.language === 'en';
    button.setAttribute('aria-label', en ? 'Open chat' : '打开在线客服');
    host.title = en ? 'Chat' : '在线客服'; // the chat frame's, in bridge.js
    button.hidden = hidden === true;
  }

  /** Run one of our scripts (bridge.js, presence.js) in R. */
  function inject(name) {
    const s = R.document.createElement('script');
    s.src = `${base}/embed${found[2] || ''}/${name}.js`;
    R.document.head.appendChild(s);
  }

  /** A command for bridge.js, loaded into R when first needed. */
  function bridge(command, arg) {
    if (host.run) return host.run(command, arg);
    host.later.push([command, arg]);
    if (host.later.length === 1) inject('bridge');
  }

  function draw() {
    let tag = 'kefu-widget'; // a page's own owns its shadow root: a div then
    try { if (w.customElements.get(tag)) tag = 'div'; } catch (e) { tag = 'div'; }
    const element = d.createElement(tag);
    // Beside <body>: pages that swap it (Turbo, pjax) keep us.
    d.documentElement.appendChild(element);
    // R first, in a child the shadow tree never shows.
    R = element.appendChild(d.createElement('iframe')).contentWindow;
    root = R.Element.prototype.attachShadow.call(element, { mode: 'open' });
    el('style', root, { textContent: CSS });
    const state = parse(store('localStorage', 'state')) || {};
    const outbox = parse(store('localStorage', 'outbox'));
    const reopen = store('sessionStorage', 'open');
    wrap = el('div', root, { className: 'k' });
    wrap.setAttribute('popover', 'manual');
    button = el('button', wrap, { type: 'button', onclick: () => bridge('toggle') });
    button.setAttribute('data-test', 'kefu-launcher');
    const svg = button.appendChild(d.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.appendChild(d.createElementNS(svg.namespaceURI, 'path')).setAttribute('d',
      'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM7 9h10v2H7V9zm0-3h10v2H7V6zm0 6h7v2H7v-2z');
    badge = el('span', button, {});
    badge.setAttribute('data-test', 'kefu-badge');
    const going = Boolean(state.conversation && state.conversation.status === 'open');
    const site = state.site || {};
    host = R.kefuHost = {
      base, siteKey, prefix, root, wrap, store, parse, emit, applySite, top, later: [], identify: null, api: kefu,
      // From the page's realm: the chat sees the page as sender.
      post: (target, message, to) => target.postMessage(message, to),
    };
    applySite(site, site.mode === 'hidden' && !going);
    emit('unread', state.unread);
    top();
    d.addEventListener('toggle', (e) => {
      if (e.newState === 'open' && !e.target.matches('dialog:modal')) setTimeout(top);
    }, true);
    // An open chat, unsent messages or the panel open on the last page: load now.
    if (reopen) bridge('open');
    else if (going || (outbox && outbox.length)) bridge('load');
    for (let i = 0; i < early.length; i++) kefu(early[i][0], early[i][1], early[i][2]);
    // Once loaded and idle: presence.js (unless the site tracks nobody before a chat).
    if (site.track !== false || going) {
      const idle = () => (R.requestIdleCallback || R.setTimeout)(() => inject('presence'), { timeout: 3000 });
      if (d.readyState === 'complete') idle();
      else w.addEventListener('load', idle);
    }
  }

  /** kefu('open' | 'close' | 'toggle'), kefu('identify', {...}), kefu('on' | 'off', event, fn). */
  function kefu(command, arg, fn) {
    if (command === 'on' && typeof fn === 'function') {
      (on[arg] = on[arg] || []).push(fn);
      if (arg === 'ready' && ready) call(fn, ready);
    } else if (command === 'off') {
      on[arg] = (on[arg] || []).filter((f) => f !== fn);
    } else if (!host) {
      early.push([command, arg, fn]);
    } else if (command === 'identify') {
      // Plain data: a function could not cross to the frame.
      host.identify = arg && typeof arg === 'object' ? parse(R.JSON.stringify(arg)) : null;
      if (host.run) host.run('identify');
    } else if (/^(open|close|toggle)$/.test(command)) {
      bridge(command);
    }
  }

  kefu.loaded = true;
  kefu.version = '0.2.0';
  // A stub captured before we arrived still pushes here: run those calls too.
  kefu.q = { push: (args) => kefu(args[0], args[1], args[2]) };
  w.kefu = kefu;
  for (let i = 0; i < queue.length; i++) kefu(queue[i][0], queue[i][1], queue[i][2]);
  if (d.body) draw();
  else d.addEventListener('DOMContentLoaded', draw);
})();
