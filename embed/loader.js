// Kefu widget loader: keeps the page's kefu(...) queue; the chat UI is loaded only when needed.
(function () {
  "use strict";
  var script = document.currentScript;
  var siteKey = script && script.getAttribute("data-kefu-site");
  var base = script && script.src ? script.src.replace(/\/embed\.js(\?.*)?$/, "") : "";
  var stub = window.kefu;
  var queued = (stub && stub.q) || [];
  var api = function () { queued.push(arguments); };
  api.q = queued;
  api.siteKey = siteKey;
  api.base = base;
  api.version = "0.1.0";
  window.kefu = api;
})();
