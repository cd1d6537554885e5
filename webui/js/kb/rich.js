// Answers as rich text: the tags and links the server keeps (services/kb_rich.py), cleaned as a tree.
//
// The console never assigns HTML to an element: an answer (already sanitised by the server)
// or what the editor holds is parsed by an inert DOMParser, walked by `cleanTree` into plain
// data with only these tags and checked URLs, and rebuilt element by element (kb-rich-dom.js).

/** Tags kept as they are; `strong`/`em` are kept too (the editor's bold and italic). */
export const TAGS = new Set(['a', 'img', 'br', 'p', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li']);
/** Tags removed with everything inside them. */
const DROPPED = new Set(['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'template',
  'noscript', 'svg', 'math', 'head', 'title', 'meta', 'link', 'textarea', 'select', 'button', 'input',
  'audio', 'video', 'canvas', 'form']);
/** Block tags that become a paragraph (Chrome's editor makes a <div> per line). */
const BLOCKS = new Set(['div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'section', 'article', 'pre',
  'header', 'footer', 'aside', 'main', 'figure', 'table', 'tr']);
const LINK_SCHEMES = ['http:', 'https:', 'mailto:', 'tel:'];
const ATTRIBUTE_MAX = 2000;

/** A URL that is safe to follow: http(s), mailto, tel, or a path of this server; else null. */
export function safeLink(value, { images = false } = {}) {
  const text = String(value ?? '').trim();
  if (!text || text.length > ATTRIBUTE_MAX || /[\u0000-\u001f\u007f\s]/.test(text)) return null;
  if (/^\/(?!\/)/.test(text)) return text;
  let url;
  try { url = new URL(text); } catch { return null; }
  const allowed = images ? ['http:', 'https:'] : LINK_SCHEMES;
  return allowed.includes(url.protocol) ? text : null;
}

function attribute(node, name) {
  const value = node.getAttribute?.(name);
  return typeof value === 'string' ? value.slice(0, ATTRIBUTE_MAX) : null;
}

function cleanElement(node, tag) {
  const children = cleanChildren(node);
  if (tag === 'a') {
    const href = safeLink(attribute(node, 'href'));
    if (!href) return children;
    const attrs = { href };
    const title = attribute(node, 'title');
    if (title) attrs.title = title;
    return [{ tag, attrs, children }];
  }
  if (tag === 'img') {
    const src = safeLink(attribute(node, 'src'), { images: true });
    if (!src) return [];
    const attrs = { src };
    for (const name of ['alt', 'width', 'height']) {
      const value = attribute(node, name);
      if (value && (name === 'alt' || /^\d{1,4}$/.test(value))) attrs[name] = value;
    }
    return [{ tag, attrs, children: [] }];
  }
  if (tag === 'br') return [{ tag, attrs: {}, children: [] }];
  return [{ tag, attrs: {}, children }];
}

function cleanChildren(node) {
  return [...(node.childNodes || [])].flatMap((child) => cleanNode(child));
}

function cleanNode(node) {
  if (node.nodeType === 3) {
    // Line breaks in HTML source are only spacing; the server would make each a <br>.
    const text = String(node.data ?? node.textContent ?? '').replace(/[\t\r\n]+/g, ' ');
    return text ? [text] : [];
  }
  if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return [];
  const tag = String(node.nodeName || '').toLowerCase();
  if (node.nodeType !== 1) return cleanChildren(node);
  if (DROPPED.has(tag)) return [];
  if (TAGS.has(tag)) return cleanElement(node, tag);
  if (BLOCKS.has(tag)) {
    const children = cleanChildren(node);
    return children.length ? [{ tag: 'p', attrs: {}, children }] : [];
  }
  return cleanChildren(node); // span, font, td…: their content only
}

/**
 * The allowed content of a DOM-like `node` (its children): a list of strings and
 * `{tag, attrs, children}`. Needs only `nodeType`, `nodeName`, `childNodes`, `data`, `getAttribute`.
 */
export function cleanTree(node) {
  return cleanChildren(node);
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/** The tree as HTML (for the API): escaped text, no line breaks between tags. */
export function serializeTree(tree) {
  return tree.map((item) => {
    if (typeof item === 'string') return escape(item);
    const attrs = Object.entries(item.attrs).map(([name, value]) => ` ${name}="${escape(value)}"`).join('');
    if (item.tag === 'br' || item.tag === 'img') return `<${item.tag}${attrs}>`;
    return `<${item.tag}${attrs}>${serializeTree(item.children)}</${item.tag}>`;
  }).join('');
}

/** The tree's text, for deciding whether an answer is empty. */
export function treeText(tree) {
  return tree.map((item) => (typeof item === 'string' ? item : treeText(item.children))).join('');
}

/** Whether a cleaned answer says anything: some text, or a picture. */
export function treeHasContent(tree) {
  const pictured = (items) => items.some((item) => typeof item !== 'string'
    && (item.tag === 'img' || pictured(item.children)));
  return treeText(tree).trim() !== '' || pictured(tree);
}
