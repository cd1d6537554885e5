// Tiny DOM builder: elements from tag, props and children; text only ever goes in as text nodes.
import { safeHttpUrl } from './validation.js';

/** Properties set on the element object rather than as attributes. */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'textContent', 'readOnly']);

/**
 * `h('a', {href, 'data-test': 'x', onclick}, 'text', child)`.
 * Strings become text nodes; `on*` functions become listeners; false/null props are skipped.
 * `href`s are kept only if they are in-app (`#…`, `/…`) or http(s).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else if (key === 'href') {
      const href = safeHref(value);
      if (href) element.setAttribute('href', href);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * Replace `parent`'s children with `children` only when they would look different: a part
 * redrawn on every change of state then keeps its elements (and their focus, and a button a
 * person is about to click) while nothing it shows has changed.
 */
export function replaceIfChanged(parent, ...children) {
  const next = [...append(document.createElement(parent.tagName), children).childNodes];
  const now = parent.childNodes;
  if (next.length === now.length && next.every((node, i) => node.isEqualNode(now[i]))) return false;
  parent.replaceChildren(...next);
  return true;
}

function safeHref(value) {
  const text = String(value);
  if (/^#/.test(text) || /^\/(?!\/)/.test(text)) return text;
  return safeHttpUrl(text);
}

/** An external link opening in a new tab, or plain text when the URL is not http(s). */
export function externalLink(url, text = url) {
  const href = safeHttpUrl(url);
  if (!href) return h('span', {}, text);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text);
}
