// Puts catalog text into static pages (`data-i18n*` attributes), sets <html lang> and wires the switch.
import { getLanguage, otherLanguage, setLanguage, t } from './i18n.js';

const ATTRIBUTES = [
  ['data-i18n-placeholder', 'placeholder'],
  ['data-i18n-title', 'title'],
  ['data-i18n-aria-label', 'aria-label'],
];

/** Fill every `[data-i18n]` element under `root` with its message, and the attribute variants. */
export function localize(root = document) {
  document.documentElement.lang = getLanguage();
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const [source, target] of ATTRIBUTES) {
    for (const element of root.querySelectorAll(`[${source}]`)) {
      element.setAttribute(target, t(element.getAttribute(source)));
    }
  }
}

/** Label the switch with the language it switches to; clicking stores the choice and calls back. */
export function bindLanguageSwitch(button, onSwitch = () => {}) {
  const label = () => {
    button.textContent = t('lang.switchTo');
    button.setAttribute('lang', otherLanguage(getLanguage()));
    button.setAttribute('aria-label', t('lang.switchLabel'));
  };
  label();
  button.addEventListener('click', () => {
    const next = otherLanguage(getLanguage());
    setLanguage(next, { persist: true });
    label();
    onSwitch(next);
  });
  return label;
}

export function setTitle(key) {
  document.title = `${t(key)} · ${t('app.name')}`;
}
