// Widget files as shipped: size budgets, module headers, no HTML from data, pure modules, test hooks, CSP.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const EMBED = new URL('../../embed/', import.meta.url);
const read = (name) => readFileSync(new URL(name, EMBED), 'utf8');
const gz = (name) => gzipSync(readFileSync(new URL(name, EMBED)), { level: 9 }).length;
const scripts = readdirSync(EMBED).filter((name) => name.endsWith('.js'));
const PURE = ['store.js', 'format.js', 'i18n.js',
  'delivery.js', 'prechat-form.js', 'offline.js', 'routing.js'];
/** Pure modules only the occasional views need (extras.js, loaded with import() when first needed). */
const LATER = ['offline.js', 'routing.js', 'prechat-form.js'];

/** `root` and every module it imports, statically (for chat.js: what the browser fetches to open the chat). */
function chatModules(root = 'chat.js') {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const match of read(name).matchAll(/^import[^'"]*from '\.\/([\w-]+\.js)';$/gm)) visit(match[1]);
  };
  visit(root);
  return [...seen];
}

// Byte budgets are measured on the files as served (without comments: appliance/web/static.py)
// by tests/test_embed_served.py, and in Chromium by tests/browser/test_widget_bytes.py.

test('opening the chat loads the frame page and its static imports, nothing occasional', () => {
  const modules = chatModules('page.js');
  for (const pure of PURE.filter((name) => !LATER.includes(name))) {
    assert.ok(modules.includes(pure), `${pure} is part of the chat`);
  }
  for (const later of ['extras.js', 'leave.js', 'hours.js', 'presence.js', ...LATER, 'lang-extras-zh-CN.js', 'lang-extras-en.js',
    'lang-leave-zh-CN.js', 'lang-leave-en.js']) {
    assert.ok(!modules.includes(later), `${later} is not fetched to open the chat`);
  }
  assert.match(read('chat.js'), /import\('\.\/extras\.js'\)/);
  assert.match(read('chat.js'), /import\('\.\/leave\.js'\)/);
  assert.match(read('extras.js'), /import\(`\.\/lang-extras-\$\{o\.lang\}\.js`\)/);
  assert.match(read('extras.js'), /import\(`\.\/lang-leave-\$\{o\.lang\}\.js`\)/);
  assert.match(read('leave.js'), /import\(`\.\/lang-leave-\$\{o\.lang\}\.js`\)/);
  // The business hours and next opening only when closed by them: not on the leave-a-message path.
  assert.match(read('leave.js'), /import\('\.\/hours\.js'\)/);
  assert.ok(!chatModules('leave.js').includes('hours.js'), 'hours.js is loaded only when closed by the hours');
  const opened = new Set(modules);
  assert.deepEqual(chatModules('leave.js').filter((name) => !opened.has(name)).sort(), ['leave.js', 'offline.js']);
  assert.deepEqual(chatModules('extras.js').filter((name) => !opened.has(name)).sort(),
    ['extras.js', 'leave.js', 'offline.js', 'prechat-form.js', 'routing.js']);
});

test('no template literal inside another: the minifier that serves them (rjsmin) would change it', () => {
  for (const name of scripts) assert.doesNotMatch(read(name), /\$\{[^}`]*`/, name);
});

test('every module starts with a one-line comment saying what it is for', () => {
  for (const name of scripts) assert.match(read(name), /^\/\/ \S.{10,}\n/, name);
});

test('nothing builds HTML from strings or evaluates code', () => {
  for (const name of scripts) {
    const source = read(name);
    for (const bad of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setTimeout(\'']) {
      assert.ok(!source.includes(bad), `${name} uses ${bad}`);
    }
  }
});

test('state modules touch no DOM, storage or network of their own', () => {
  const globals = /\b(document|window|fetch|WebSocket|XMLHttpRequest|localStorage|sessionStorage|navigator|location|addEventListener)\b/;
  for (const name of PURE) {
    const code = read(name).replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
    assert.doesNotMatch(code, globals, name);
  }
});

test('the loader is a plain script that only defines window.kefu and asks nothing of other hosts', () => {
  const loader = read('loader.js');
  assert.doesNotMatch(loader, /^\s*(import|export)\s/m);
  assert.deepEqual([...new Set([...loader.matchAll(/\bw\.(\w+)\s*=[^=]/g)].map((m) => m[1]))], ['kefu']);
  const urls = [...loader.matchAll(/https?:\/\/[^'"\s)]+/g)].map((m) => m[0]);
  assert.deepEqual(urls, ['http://www.w3.org/2000/svg']);
  // Its own realm first (for attachShadow, Object.assign, JSON and storage: the browser's own),
  // in a child of its element; bridge.js runs there and puts the chat in an iframe.
  assert.match(loader, /R = element\.appendChild\(d\.createElement\('iframe'\)\)\.contentWindow/);
  assert.match(loader, /root = R\.Element\.prototype\.attachShadow\.call\(element, \{ mode: 'open' \}\)/);
  assert.match(loader, /R\.Object\.assign\(/);
  assert.doesNotMatch(loader.replace(/R\.Object\.assign/g, ''), /Object\.assign/);
  assert.doesNotMatch(loader.replace(/R\.JSON/g, ''), /\bJSON\./);
  const code = loader.replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
  assert.doesNotMatch(code, /\b(Promise|fetch|WebSocket)\b|[^'](local|session)Storage\b/);
  assert.match(code, /const s = R\[area\];/);
  assert.match(loader, /inject\('bridge'\)/);
  assert.match(loader, /inject\('presence'\)/);
  assert.match(loader, /\/\$\{name\}\.js`/);
  assert.match(read('bridge.js'), /`\$\{host\.base\}\/chat\/\$\{encodeURIComponent\(host\.siteKey\)\}#embed`/);
  assert.match(loader, /setAttribute\('popover', 'manual'\)/);
});

test('the presence module is a plain script of the loader\'s realm: the page\'s globals are not its', () => {
  const presence = read('presence.js');
  assert.doesNotMatch(presence, /^\s*(import|export)\s/m);
  assert.match(presence, /const host = window\.kefuHost;/);
  // The page's objects are reached only through `page` and `doc`; its listeners with our realm's method.
  assert.doesNotMatch(presence, /\bwindow\.(?!kefuHost|BroadcastChannel)/);
  assert.match(presence, /EventTarget\.prototype\.addEventListener\.call/);
  assert.doesNotMatch(presence, /page\.(JSON|fetch|WebSocket|Promise|BroadcastChannel)\b/);
  assert.doesNotMatch(presence, /innerHTML|insertAdjacentHTML/);
  assert.match(presence, /textContent = String\(invitation\.message/);
});

test('the frame and the page talk to one origin each, never to any', () => {
  for (const name of ['bridge.js', 'page.js', 'loader.js']) assert.doesNotMatch(read(name), /postMessage\([^)]*'\*'/, name);
  assert.match(read('page.js'), /event\.source !== parent/);
  assert.match(read('page.js'), /from !== origin/);
  assert.match(read('bridge.js'), /event\.origin !== origin/);
});

test('tokens travel in headers and frames, never in URLs', () => {
  for (const name of scripts) {
    assert.doesNotMatch(read(name), /[?&](visitor_)?token=/, name);
  }
  assert.match(read('transport.js'), /Authorization: `Bearer \$\{token\}`/);
  assert.match(read('transport.js'), /credentials: 'omit'/);
  assert.match(read('transport.js'), /mode: 'cors'/);
});

test('every browser-test hook is rendered', () => {
  const all = scripts.map(read).join('\n');
  for (const hook of ['kefu-launcher', 'kefu-panel', 'kefu-input', 'kefu-send', 'kefu-message', 'kefu-badge',
    'kefu-file-input', 'kefu-typing', 'kefu-close', 'kefu-menu', 'kefu-prechat', 'kefu-leave-form', 'kefu-leave-submit',
    'kefu-leave-done', 'kefu-queue', 'kefu-category', 'kefu-end', 'kefu-rate-comment', 'kefu-rate-submit',
    'kefu-rate-done', 'kefu-transcript-email', 'kefu-transcript-submit', 'kefu-transcript-done']) {
    assert.ok(all.includes(`'data-test', '${hook}'`) || all.includes(`'data-test': '${hook}'`), hook);
  }
  // Built from their field name or star count: kefu-leave-name|phone|email|wechat|message, kefu-rate-1…5.
  assert.ok(all.includes("'data-test': `kefu-leave-${key}`"));
  for (const key of ['name', 'phone', 'email', 'wechat', 'message']) assert.ok(all.includes(`field('${key}'`), key);
  assert.ok(all.includes("'data-test': `kefu-rate-${n}`") && all.includes('[1, 2, 3, 4, 5].map((n)'));
  assert.match(all, /'data-position'/);
  assert.match(all, /'data-transport'/);
});

test('the standalone page runs under script-src \'self\': no inline script, the module is a file', () => {
  const html = read('chat.html');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.match(html, /<script type="module" src="\.\.\/embed\/page\.js"><\/script>/);
  assert.match(read('page.js'), /from '\.\/chat\.js'/);
});

test('the README reports the sizes and documents the API', () => {
  const readme = read('README.md');
  for (const word of ["kefu('open')", "kefu('close')", "kefu('toggle')", "kefu('identify'", "kefu('on'", 'unread', 'ready', 'gzip']) {
    assert.ok(readme.includes(word), word);
  }
});
