// Live preview of the site's business card: how the chat widget will greet visitors.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { safeHttpUrl } from '../../validation.js';

/** A preview that follows the form's business-card fields as they are edited. */
export function sitePreview(form, companyName) {
  const logo = h('img', { class: 'preview-logo', alt: '', hidden: true });
  const name = h('span', { class: 'preview-name' });
  const header = h('div', { class: 'preview-header' }, logo, name);
  const greeting = h('p', { class: 'preview-bubble' });
  const launcher = h('span', { class: 'preview-launcher', 'aria-hidden': 'true' });
  const stage = h('div', { class: 'preview-stage', 'aria-hidden': 'true' },
    h('div', { class: 'preview-window' }, header, h('div', { class: 'preview-body' }, greeting)),
    launcher);

  function update() {
    const values = form.elements;
    const color = /^#[0-9a-fA-F]{6}$/.test(values.theme_color.value) ? values.theme_color.value : '#2563eb';
    header.style.backgroundColor = color;
    launcher.style.backgroundColor = color;
    name.textContent = values.display_name.value.trim() || companyName || t('site.preview.company');
    greeting.textContent = values.greeting.value.trim() || t('site.preview.greeting');
    const logoUrl = safeHttpUrl(values.logo_url.value);
    logo.hidden = !logoUrl;
    if (logoUrl) logo.src = logoUrl;
    else logo.removeAttribute('src');
    stage.dataset.position = values.widget_position.value === 'left' ? 'left' : 'right';
  }

  logo.addEventListener('error', () => {
    logo.hidden = true;
  });
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();
  return h('aside', { class: 'card preview', 'aria-label': t('site.preview') },
    h('h2', { class: 'card-title' }, t('site.preview')),
    h('p', { class: 'card-description' }, t('site.preview.hint')),
    stage);
}
