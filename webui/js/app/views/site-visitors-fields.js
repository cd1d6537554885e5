// Site form section about visitors before they chat: tracking, Do Not Track, identity, invitation templates.
import { h } from '../../dom.js';
import { field, fieldId, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { REQUIRE_IDENTITY } from '../../payloads.js';

function check(site, name, test) {
  const id = fieldId(name);
  return h('div', { class: 'check-field' },
    h('input', { type: 'checkbox', id, name, value: 'on', checked: site[name] !== false, 'data-test': test }),
    h('label', { for: id }, t(`site.visitors.${name}`)));
}

/** The "Visitors" fieldset of an existing site's form. */
export function visitorFields(site) {
  const templates = Array.isArray(site.invitation_templates) ? site.invitation_templates : [];
  return h('fieldset', { class: 'form-section', 'data-test': 'site-visitors' },
    h('legend', {}, t('site.visitors.title')),
    h('p', { class: 'hint' }, t('site.visitors.hint')),
    check(site, 'track_before_chat', 'site-track-before-chat'),
    check(site, 'honour_dnt', 'site-honour-dnt'),
    h('div', { class: 'form-grid' },
      field({
        label: t('site.visitors.require_identity'), hint: t('site.visitors.require_identity.hint'),
        control: select({ name: 'require_identity', 'data-test': 'site-require-identity' },
          REQUIRE_IDENTITY.map((value) => [value, t(`site.visitors.require_identity.${value}`)]), site.require_identity || 'none'),
      }),
      field({
        label: t('site.visitors.invitation_templates'), hint: t('site.visitors.invitation_templates.hint'), wide: true,
        control: h('textarea', { name: 'invitation_templates', rows: '4', 'data-test': 'site-invitation-templates',
          textContent: templates.join('\n') }),
      })));
}
