// Rich answers cleaned as a tree: only the server's tags, checked URLs, escaped output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanTree, safeLink, serializeTree, treeHasContent, treeText } from '../../webui/js/kb/rich.js';

/** A DOM-like element: what cleanTree reads of a parsed document. */
function el(tag, attrs = {}, ...children) {
  return {
    nodeType: 1, nodeName: tag.toUpperCase(),
    childNodes: children.map((child) => (typeof child === 'string' ? { nodeType: 3, data: child } : child)),
    getAttribute: (name) => (Object.hasOwn(attrs, name) ? attrs[name] : null),
  };
}
const clean = (...children) => serializeTree(cleanTree(el('body', {}, ...children)));

test('links keep http(s), mailto, tel and own paths; anything else loses the link but keeps its text', () => {
  assert.equal(clean(el('a', { href: 'https://example.com/a?b=1&c=2' }, '看这里')),
    '<a href="https://example.com/a?b=1&amp;c=2">看这里</a>');
  assert.equal(clean(el('a', { href: 'mailto:hi@example.com' }, 'mail')), '<a href="mailto:hi@example.com">mail</a>');
  assert.equal(clean(el('a', { href: 'tel:+86-10-1234' }, 'call')), '<a href="tel:+86-10-1234">call</a>');
  assert.equal(clean(el('a', { href: '/api/attachments/7' }, 'file')), '<a href="/api/attachments/7">file</a>');
  for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', 'vbscript:x', '//evil.com/x',
    'java\nscript:alert(1)', 'ftp://x', '']) {
    assert.equal(clean(el('a', { href: bad }, 'x')), 'x', bad);
  }
});

test('images need an http(s) or own address; their size only as numbers', () => {
  assert.equal(clean(el('img', { src: 'https://example.com/a.png', alt: '图', width: '120', height: '9e9', onerror: 'x()' })),
    '<img src="https://example.com/a.png" alt="图" width="120">');
  assert.equal(clean(el('img', { src: 'javascript:x' })), '');
  assert.equal(clean(el('img', { src: 'data:image/png;base64,AAAA' })), '');
  assert.equal(clean(el('img', {})), '');
});

test('scripts, styles, frames and forms go with their content; other tags leave their text', () => {
  assert.equal(clean('a', el('script', {}, 'alert(1)'), el('style', {}, 'b{}'), el('iframe', { src: 'https://x' }, 'y'), 'b'), 'ab');
  assert.equal(clean(el('span', { style: 'color:red', onclick: 'x()' }, '红'), el('font', {}, '字')), '红字');
  assert.equal(clean(el('b', { onmouseover: 'x()', class: 'c' }, '粗')), '<b>粗</b>');
  assert.equal(clean(el('svg', {}, el('a', { href: 'https://x' }, 'in svg'))), '');
});

test('editor lines (div) become paragraphs; kept tags nest; text is escaped, newlines are spaces', () => {
  assert.equal(clean(el('div', {}, '第一行'), el('div', {}, el('br'))), '<p>第一行</p><p><br></p>');
  assert.equal(clean(el('ul', {}, el('li', {}, el('i', {}, 'x')))), '<ul><li><i>x</i></li></ul>');
  assert.equal(clean('1 < 2 & "3" > 0'), '1 &lt; 2 &amp; &quot;3&quot; &gt; 0');
  assert.equal(clean('a\n  b'), 'a   b');
  assert.equal(clean(el('p', {}, '<script>')), '<p>&lt;script&gt;</p>');
});

test('an attribute value cannot break out of its quotes', () => {
  const html = clean(el('a', { href: 'https://example.com/"onmouseover="x()', title: '"><script>' }, 't'));
  assert.ok(!html.includes('"onmouseover'), html);
  assert.ok(!html.includes('<script>'), html);
});

test('content: text or a picture; empty paragraphs and spaces are nothing', () => {
  assert.equal(treeHasContent(cleanTree(el('body', {}, el('p', {}, ' '), el('br')))), false);
  assert.equal(treeHasContent(cleanTree(el('body', {}, el('p', {}, el('img', { src: 'https://x/a.png' }))))), true);
  assert.equal(treeText(cleanTree(el('body', {}, el('b', {}, '粗'), '体'))), '粗体');
});

test('safeLink refuses control characters, spaces and over-long addresses', () => {
  assert.equal(safeLink('https://example.com/a b'), null);
  assert.equal(safeLink(`https://example.com/${'a'.repeat(2000)}`), null);
  assert.equal(safeLink('https://example.com/\u0000'), null);
  assert.equal(safeLink('mailto:a@b.c', { images: true }), null);
});
