// The embed snippet of a site (code box, Copy with a select-the-text fallback, new key) and the Copy helpers.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { t } from '../../i18n.js';
import { localOnlyAddress } from '../../payloads.js';
import { openDialog } from '../dialog.js';
import { button, section } from './common.js';

/** Whether `element` keeps its text in `value` (a read-only box) rather than in its contents. */
function isTextControl(element) {
  return element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement;
}

function selectContents(element) {
  if (isTextControl(element)) {
    element.focus();
    element.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/**
 * Copy the box's text. The async clipboard only exists on secure pages (HTTPS or localhost), and
 * an appliance on a LAN address is often plain HTTP, so fall back to selecting the text.
 * Resolves 'copied' or 'selected'.
 */
export async function copyFrom(element) {
  const text = isTextControl(element) ? element.value : element.textContent;
  try {
    await navigator.clipboard.writeText(text);
    return 'copied';
  } catch {
    selectContents(element);
    try {
      if (document.execCommand('copy')) return 'copied';
    } catch {
      // Left selected for Ctrl+C / long-press.
    }
    return 'selected';
  }
}

/** A Copy button for the text of `source` and the status line beside it (hooks `test`, `test`-status). */
export function copyButton(source, label, test) {
  const status = h('span', { class: 'copy-status', role: 'status', 'data-test': `${test}-status` });
  const copy = button(label, async () => {
    const outcome = await copyFrom(source);
    status.textContent = t(outcome === 'copied' ? 'snippet.copied' : 'site.copy.selected');
  }, { test });
  return [copy, status];
}

/** The "install on your website" card for `site`; `onChange(site)` after a new widget key. */
export function snippetPanel(ctx, site, onChange) {
  const code = h('pre', { class: 'code-box', 'data-test': 'snippet', tabindex: '0', 'aria-label': t('snippet.title') },
    h('code', {}, site.snippet || ''));
  const status = h('span', { class: 'copy-status', role: 'status', 'data-test': 'copy-status' });
  const copy = button(t('snippet.copy'), async () => {
    const outcome = await copyFrom(code);
    status.textContent = t(outcome === 'copied' ? 'snippet.copied' : 'snippet.selected');
  }, { kind: 'primary', test: 'copy-snippet' });
  const regenerate = button(t('snippet.regenerate'), () => openDialog({
    title: t('snippet.regenerate.title'),
    message: t('snippet.regenerate.message'),
    okLabel: t('snippet.regenerate.ok'),
    danger: true,
    onConfirm: async () => {
      const result = await ctx.api.post(`/api/sites/${site.id}/widget-key`, {});
      code.firstChild.textContent = result.site.snippet || '';
      status.textContent = '';
      ctx.notify(t('snippet.regenerated'));
      onChange(result.site);
    },
  }).catch((error) => ctx.notify(errorMessage(error, t), 'error')), { kind: 'quiet', test: 'regenerate-key' });

  const local = localOnlyAddress(site.snippet);
  return section(t('snippet.title'), [
    local ? h('p', { class: 'alert alert-warning', role: 'note', 'data-test': 'snippet-local' },
      t('snippet.local', { address: local })) : null,
    code,
    h('div', { class: 'snippet-actions' }, copy, status, h('span', { class: 'spacer' }), regenerate),
  ], { description: t('snippet.description'), test: 'snippet-panel', className: 'snippet-card' });
}
