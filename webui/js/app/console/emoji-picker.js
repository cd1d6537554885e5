// The emoji button of the composer and its grid; a click (or Enter) puts the emoji at the caret.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { EMOJI } from '../../console/emoji.js';

/** `onPick(emoji)` inserts; `onClose()` returns the focus to the input. Returns `{button, panel, hide}`. */
export function createEmojiPicker({ onPick, onClose }) {
  const panel = h('div', { class: 'emoji-picker', 'data-test': 'emoji-picker', role: 'group',
    'aria-label': t('console.emoji.title'), hidden: true },
  EMOJI.map((emoji) => h('button', {
    type: 'button', class: 'emoji-choice', 'data-test': 'emoji-choice', 'data-emoji': emoji,
    onmousedown: (event) => event.preventDefault(), // keep the input's caret
    onclick: () => {
      onPick(emoji);
      hide();
    },
  }, emoji)));
  const button = h('button', {
    type: 'button', class: 'button button-small composer-emoji', 'data-test': 'emoji-toggle',
    'aria-label': t('console.emoji.button'), title: t('console.emoji.button'), 'aria-expanded': 'false',
    onmousedown: (event) => event.preventDefault(),
    onclick: () => (panel.hidden ? show() : hide(true)),
  }, '😊');

  function show() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', outside, true);
  }

  function hide(refocus = false) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    if (refocus) onClose();
  }

  function outside(event) {
    if (!panel.contains(event.target) && event.target !== button) hide();
  }

  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      hide(true);
    }
  });
  return { button, panel, hide };
}
