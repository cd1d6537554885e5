// Rich answers in the DOM: render a sanitised answer safely, and the answer editor (toolbar, HTML source, preview).
import { h } from '../../dom.js';
import { field, input } from '../../forms.js';
import { t } from '../../i18n.js';
import { cleanTree, safeLink, serializeTree, treeHasContent } from '../../kb/rich.js';
import { openDialog } from '../dialog.js';

/** Parse HTML in an inert document (nothing in it loads or runs) and keep what answers may hold. */
function treeOf(html) {
  const doc = new DOMParser().parseFromString(String(html ?? ''), 'text/html');
  return cleanTree(doc.body);
}

function build(tree) {
  return tree.map((item) => {
    if (typeof item === 'string') return document.createTextNode(item);
    const element = document.createElement(item.tag);
    if (item.tag === 'a') {
      element.setAttribute('href', item.attrs.href);
      if (item.attrs.title) element.setAttribute('title', item.attrs.title);
      element.setAttribute('target', '_blank');
      element.setAttribute('rel', 'noopener noreferrer nofollow');
    } else if (item.tag === 'img') {
      for (const [name, value] of Object.entries(item.attrs)) element.setAttribute(name, value);
      element.setAttribute('referrerpolicy', 'no-referrer');
      element.setAttribute('loading', 'lazy');
    }
    element.append(...build(item.children));
    return element;
  });
}

/** An answer as elements, rebuilt from an allow-list (never assigned as HTML). */
export function renderAnswer(html, { test = 'kb-answer' } = {}) {
  return h('div', { class: 'kb-answer', 'data-test': test }, build(treeOf(html)));
}

function selectionIn(editable) {
  const selection = document.getSelection();
  if (!selection?.rangeCount) return null;
  const range = selection.getRangeAt(0);
  return editable.contains(range.commonAncestorContainer) ? range.cloneRange() : null;
}

function restore(editable, range) {
  editable.focus();
  if (!range) return;
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/** Ask for an address (and a text for a link with nothing selected), then insert it. */
async function askUrl(editable, { image }) {
  const range = selectionIn(editable);
  const needsText = !image && (!range || range.collapsed);
  let chosen = null;
  const confirmed = await openDialog({
    title: t(image ? 'kb.editor.image.title' : 'kb.editor.link.title'),
    okLabel: t('kb.editor.insert'),
    fields: [
      field({ label: t('kb.editor.url'), hint: t(image ? 'kb.editor.image.hint' : 'kb.editor.link.hint'),
        control: input({ name: 'url', autocomplete: 'off', spellcheck: 'false', 'data-test': 'kb-editor-url',
          placeholder: image ? 'https://' : 'https://example.com' }) }),
      needsText ? field({ label: t('kb.editor.text'), control: input({ name: 'text', 'data-test': 'kb-editor-url-text' }) }) : null,
    ],
    onConfirm: async (values) => {
      const url = safeLink(values.url, { images: image });
      if (!url) return [{ field: 'url', key: image ? 'kb.editor.image.bad' : 'kb.editor.link.bad' }];
      chosen = { url, text: String(values.text || '').trim() || url };
      return [];
    },
  });
  // Only once the modal dialog is gone can the editor take the focus and the change.
  if (!confirmed || !chosen) {
    restore(editable, range);
    return;
  }
  restore(editable, range);
  if (image) document.execCommand('insertImage', false, chosen.url);
  else if (needsText) {
    document.execCommand('insertHTML', false, serializeTree([{ tag: 'a', attrs: { href: chosen.url }, children: [chosen.text] }]));
  } else document.execCommand('createLink', false, chosen.url);
}

/**
 * The answer editor: a rich text box with bold, italic, underline, list, link and picture, or
 * the HTML source with a live preview of what will be kept. `value()` is the HTML to send (the
 * server sanitises it again); `isEmpty()` and `size()` feed the form's checks.
 */
export function createAnswerEditor(html = '') {
  const editable = h('div', {
    class: 'kb-editor-box', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', name: 'answer',
    tabindex: '0', 'data-test': 'kb-answer-editor', 'aria-label': t('kb.answer'),
  }, build(treeOf(html)));
  const source = h('textarea', { class: 'kb-editor-source', rows: '8', 'data-test': 'kb-answer-source', hidden: true,
    'aria-label': t('kb.editor.source'), spellcheck: 'false' });
  const preview = h('div', { class: 'kb-editor-preview', hidden: true, 'data-test': 'kb-answer-preview', 'aria-live': 'polite' });
  let sourceMode = false;
  const command = (name, label, test) => h('button', {
    type: 'button', class: 'button button-small', 'data-test': test, title: label, 'aria-label': label,
    onmousedown: (event) => event.preventDefault(), // keep the selection in the box
    onclick: () => {
      editable.focus();
      document.execCommand(name, false);
    },
  }, t(`kb.editor.${name}.short`));
  const toggle = h('button', { type: 'button', class: 'button button-small', 'data-test': 'kb-answer-html',
    'aria-pressed': 'false', onclick: () => setSource(!sourceMode) }, t('kb.editor.source'));
  const formatButtons = [
    command('bold', t('kb.editor.bold'), 'kb-editor-bold'),
    command('italic', t('kb.editor.italic'), 'kb-editor-italic'),
    command('underline', t('kb.editor.underline'), 'kb-editor-underline'),
    command('insertUnorderedList', t('kb.editor.list'), 'kb-editor-list'),
    h('button', { type: 'button', class: 'button button-small', 'data-test': 'kb-editor-link',
      onmousedown: (event) => event.preventDefault(), onclick: () => askUrl(editable, { image: false }) }, t('kb.editor.link')),
    h('button', { type: 'button', class: 'button button-small', 'data-test': 'kb-editor-image',
      onmousedown: (event) => event.preventDefault(), onclick: () => askUrl(editable, { image: true }) }, t('kb.editor.image')),
  ];
  const toolbar = h('div', { class: 'kb-editor-toolbar', role: 'toolbar', 'aria-label': t('kb.editor.toolbar') },
    formatButtons, h('span', { class: 'composer-spacer' }), toggle);

  function currentTree() {
    return sourceMode ? treeOf(source.value) : cleanTree(editable);
  }
  function drawPreview() {
    preview.replaceChildren(h('p', { class: 'hint' }, t('kb.editor.preview')), ...build(treeOf(source.value)));
  }
  function setSource(on) {
    if (on === sourceMode) return;
    if (on) source.value = serializeTree(cleanTree(editable));
    else editable.replaceChildren(...build(treeOf(source.value)));
    sourceMode = on;
    editable.hidden = on;
    source.hidden = !on;
    preview.hidden = !on;
    for (const button of formatButtons) button.disabled = on;
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    if (on) drawPreview();
    (on ? source : editable).focus();
  }
  source.addEventListener('input', drawPreview);
  // Pasted web pages and Word documents keep only what an answer may hold.
  editable.addEventListener('paste', (event) => {
    const html = event.clipboardData?.getData('text/html');
    if (!html) return;
    event.preventDefault();
    document.execCommand('insertHTML', false, serializeTree(treeOf(html)));
  });

  return {
    element: h('div', { class: 'kb-editor' }, toolbar, editable, source, preview),
    /** The HTML source as typed in source mode (the server keeps the allowed part), else the box's content. */
    value: () => (sourceMode ? source.value.trim() : serializeTree(cleanTree(editable))),
    isEmpty: () => !treeHasContent(currentTree()),
    size: () => [...(sourceMode ? source.value.trim() : serializeTree(cleanTree(editable)))].length,
    focus: () => (sourceMode ? source : editable).focus(),
  };
}
