// Widget files as shipped: size budgets, module headers, no HTML from data, pure modules, test hooks, CSP.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const EMBED = new URL('../../embed/', import.meta.url);
const read = (name) => readFileSync(new URL(name, EMBED), 'utf8');
const gz = (name) => gzipSync(readFileSync(new URL(name, EMBED)), { level: 9 }).length;
const scripts = readdirSync(EMBED).filter((name) => name.endsWith('.js'));
const PURE = ['reconnect.js', 'sequence.js', 'outbox.js', 'store.js', 'format.js', 'i18n.js', 'typing.js',
  'delivery.js', 'prechat.js'];

/** chat.js and every module it imports, statically (what the browser fetches to open the chat). */
function chatModules() {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const match of read(name).matchAll(/^import[^'"]*from '\.\/([\w-]+\.js)';$/gm)) visit(match[1]);
  };
  visit('chat.js');
  return [...seen];
}

test('the loader is at most 3 KB gzipped, and the loader plus the chat at most 30 KB', () => {
  assert.ok(gz('loader.js') <= 3 * 1024, `loader.js is ${gz('loader.js')} bytes gzipped`);
  const modules = chatModules();
  for (const pure of PURE) {
    assert.ok(modules.includes(pure), `${pure} is part of the chat`);
  }
  // chat.js loads the one catalog of the site's language: count the larger.
  const catalog = Math.max(gz('lang-zh-CN.js'), gz('lang-en.js'));
  const total = gz('loader.js') + catalog + modules.reduce((sum, name) => sum + gz(name), 0);
  assert.ok(total <= 30000, `the loader and the chat need ${total} bytes gzipped`);
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
  assert.match(loader, /import\(base \+ '\/embed\/chat\.js'\)/);
  assert.match(loader, /attachShadow\(\{ mode: 'open' \}\)/);
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
    'kefu-file-input', 'kefu-typing', 'kefu-close']) {
    assert.ok(all.includes(`'data-test', '${hook}'`) || all.includes(`'data-test': '${hook}'`), hook);
  }
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
