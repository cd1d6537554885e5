// Site form section about the chat itself: the pre-chat form and typing preview.
import { h } from '../../dom.js';
import { field, fieldId, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { prechatChoices } from '../../payloads.js';
import { PRECHAT_CHOICES, PRECHAT_FIELDS } from '../../validation.js';

// Spelled out so that the hooks can be found by searching for them.
const PRECHAT_HOOKS = { name: 'site-prechat-name', email: 'site-prechat-email', phone: 'site-prechat-phone' };

function prechatSelects(site, hintId) {
  const choices = prechatChoices(site.prechat_fields);
  const options = PRECHAT_CHOICES.map((choice) => [choice, t(`site.prechat.${choice}`)]);
  return h('div', { class: 'form-grid prechat-grid', role: 'group', 'aria-describedby': hintId },
    PRECHAT_FIELDS.map((name) => field({
      label: t(`site.prechat.${name}`),
      control: select({ name: `prechat_${name}`, 'data-test': PRECHAT_HOOKS[name] }, options, choices[name]),
    })));
}

function typingPreviewCheck(site) {
  const id = fieldId('typing_preview');
  return h('div', { class: 'check-field' },
    h('input', { type: 'checkbox', id, name: 'typing_preview', value: 'on', checked: site.typing_preview === true,
      'data-test': 'site-typing-preview' }),
    h('label', { for: id }, t('site.typingPreview')));
}

/** The "Chat" fieldset of an existing site's form (controls `prechat_*` and `typing_preview`). */
export function chatFields(site) {
  const hintId = fieldId('prechat-hint');
  return h('fieldset', { class: 'form-section' },
    h('legend', {}, t('site.chat')),
    h('p', { class: 'hint', id: hintId }, t('site.prechat.hint')),
    prechatSelects(site, hintId),
    typingPreviewCheck(site));
}
