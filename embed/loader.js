// Kefu widget loader: replaces the page's kefu(...) queue stub, draws the launcher, loads the chat UI when needed.
(function () {
  'use strict';
  var w = window;
  var d = document;
  if (w.kefu && w.kefu.loaded) return;
  var script = d.currentScript;
  var siteKey = script && script.getAttribute('data-kefu-site');
  if (!siteKey) return;
  // The appliance's address is where this script came from (also behind a path prefix).
  var base = script.src.replace(/\/embed\.js([?#].*)?$/, '');
  var prefix = 'kefu:' + siteKey + ':';
  var queue = (w.kefu && w.kefu.q) || [];
  var listeners = {};
  var identity = null;
  var chat = null;
  var loading = null;
  var readyData = null;
  var state = stored('localStorage', 'state') || {};
  var site = state.site || {};
  var root, wrap, badge;
  var CSS = ':host{all:initial!important}[hidden]{display:none!important}' +
    '.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:56px;height:56px;padding:0;border:0;' +
    'border-radius:50%;background:var(--c,#1f6feb);color:#fff;cursor:pointer;display:flex;align-items:center;' +
    'justify-content:center;box-shadow:0 4px 16px rgba(0,0,0,.22)}.left .launcher{right:auto;left:20px}' +
    '.launcher svg{width:28px;height:28px;fill:currentColor}.badge{position:absolute;top:-3px;right:-3px;' +
    'min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#d1242f;' +
    'color:#fff;font:600 12px/20px -apple-system,"Segoe UI",sans-serif;text-align:center}';

  function stored(area, key) {
    try { return JSON.parse(w[area].getItem(prefix + key)); } catch (e) { return null; }
  }

  function emit(name, data) {
    if (name === 'unread') setBadge(data);
    if (name === 'ready') readyData = data;
    (listeners[name] || []).slice().forEach(function (fn) { call(fn, data); });
  }

  function call(fn, data) {
    try { fn(data); } catch (e) { setTimeout(function () { throw e; }); }
  }

  function setBadge(count) {
    if (!badge) return;
    badge.hidden = !(count > 0);
    badge.textContent = count > 99 ? '99+' : String(count);
  }

  var drawn = new Promise(function (resolve) {
    if (d.body) resolve();
    else d.addEventListener('DOMContentLoaded', resolve);
  }).then(draw);

  /** The launcher only, in a shadow root; no request is made here. */
  function draw() {
    var host = d.createElement('kefu-widget');
    root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = d.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
    wrap = d.createElement('div');
    wrap.className = 'k' + (site.widget_position === 'left' ? ' left' : '');
    if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(site.theme_color)) wrap.style.setProperty('--c', site.theme_color);
    var button = d.createElement('button');
    button.type = 'button';
    button.className = 'launcher';
    button.setAttribute('data-test', 'kefu-launcher');
    button.setAttribute('aria-label', site.language === 'en' ? 'Open chat' : '打开在线客服');
    var ns = 'http://www.w3.org/2000/svg';
    var svg = d.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    var path = d.createElementNS(ns, 'path');
    path.setAttribute('d', 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM7 9h10v2H7V9zm0-3h10v2H7V6zm0 6h7v2H7v-2z');
    svg.appendChild(path);
    badge = d.createElement('span');
    badge.className = 'badge';
    badge.setAttribute('data-test', 'kefu-badge');
    button.appendChild(svg);
    button.appendChild(badge);
    button.onclick = function () { withChat(function (c) { c.toggle(); }); };
    var going = state.conversation && state.conversation.status === 'open';
    // Hidden outside hours (as of the last session), never mid-conversation.
    button.hidden = site.mode === 'hidden' && !going;
    wrap.appendChild(button);
    root.appendChild(wrap);
    d.body.appendChild(host);
    setBadge(state.unread || 0);
    // An open conversation, unsent messages or a panel left open on the previous page: load now.
    var outbox = stored('localStorage', 'outbox');
    var reopen = stored('sessionStorage', 'open');
    if (going || (outbox && outbox.length) || reopen) {
      withChat(function (c) { if (reopen) c.open(); });
    }
  }

  function load() {
    loading = loading || drawn.then(function () {
      return import(base + '/embed/chat.js');
    }).then(function (module) {
      return module.mount({
        root: root, wrap: wrap, base: base, siteKey: siteKey, identify: identity, emit: emit, standalone: false,
      });
    }).then(function (controls) {
      chat = controls;
      return chat;
    });
    loading.catch(function () { loading = null; });
    return loading;
  }

  function withChat(fn) {
    load().then(fn, function (e) { if (w.console) console.warn('kefu: the chat could not be loaded', e); });
  }

  /** kefu('open' | 'close' | 'toggle'), kefu('identify', {...}), kefu('on' | 'off', event, fn). */
  function kefu(command, arg, fn) {
    if (command === 'open') withChat(function (c) { c.open(); });
    else if (command === 'toggle') withChat(function (c) { c.toggle(); });
    else if (command === 'close') { if (loading) withChat(function (c) { c.close(); }); }
    else if (command === 'identify') {
      identity = arg && typeof arg === 'object' ? arg : null;
      if (chat) chat.identify(identity);
    } else if (command === 'on' && typeof fn === 'function') {
      (listeners[arg] = listeners[arg] || []).push(fn);
      if (arg === 'ready' && readyData) call(fn, readyData);
    } else if (command === 'off') {
      listeners[arg] = (listeners[arg] || []).filter(function (f) { return f !== fn; });
    }
  }

  kefu.loaded = true;
  kefu.version = '0.1.0';
  // A stub captured before we arrived still pushes here: run those calls too.
  kefu.q = { push: function (args) { kefu.apply(null, args); } };
  w.kefu = kefu;
  for (var i = 0; i < queue.length; i++) kefu.apply(null, queue[i]);
})();
