// Site settings form: name, address, company, business card, chat options, routing, hours, origins.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { originsText, siteBody } from '../../payloads.js';
import { POSITIONS, SITE_LANGUAGES, validateSite } from '../../validation.js';
import { chatFields } from './site-chat-fields.js';
import { hoursFields, showSavedHours } from './site-hours.js';
import { offlineFields, routingFields } from './site-routing.js';
import { sitePreview } from './site-preview.js';
import { visitorFields } from './site-visitors-fields.js';

const FIELDS = ['company_id', 'name', 'url', 'display_name', 'logo_url', 'greeting', 'theme_color',
  'widget_position', 'language', 'prechat_name', 'prechat_email', 'prechat_phone', 'typing_preview',
  'allowed_origins', 'routing_strategy', 'fallback_team_id', 'unanswered_seconds', 'hours_timezone',
  'offline_mode', 'notify_email', 'track_before_chat', 'honour_dnt', 'require_identity', 'invitation_templates'];
// The server names the whole pre-chat list and the whole schedule; their first control stands for each.
const FIELD_ALIASES = { prechat_fields: 'prechat_name', business_hours: 'hours_timezone' };
const DEFAULT_COLOR = '#2563eb';

function basicFields(site, companies, chooseCompany) {
  return [
    chooseCompany ? field({
      label: t('site.company'),
      control: select({ name: 'company_id', 'data-test': 'site-company' },
        companies.map((company) => [String(company.id), company.name]),
        String(site?.company_id ?? companies[0]?.id ?? '')),
    }) : null,
    field({
      label: t('site.name'), hint: t('site.name.hint'),
      control: input({ name: 'name', value: site?.name ?? '', maxlength: '80', 'data-test': 'site-name' }),
    }),
    field({
      label: t('site.url'), hint: t('site.url.hint'),
      control: input({
        name: 'url', type: 'url', value: site?.url ?? '', maxlength: '500', placeholder: 'https://',
        inputmode: 'url', autocapitalize: 'none', spellcheck: 'false', 'data-test': 'site-url',
      }),
    }),
  ];
}

function cardFields(site, companyName) {
  return h('fieldset', { class: 'form-section' },
    h('legend', {}, t('site.card')),
    h('p', { class: 'hint' }, t('site.card.hint')),
    h('div', { class: 'form-grid' },
      field({
        label: t('site.displayName'), hint: t('site.displayName.hint'),
        control: input({ name: 'display_name', value: site.display_name ?? '', maxlength: '80',
          placeholder: companyName, 'data-test': 'site-display-name' }),
      }),
      field({
        label: t('site.logoUrl'), hint: t('site.logoUrl.hint'),
        control: input({ name: 'logo_url', type: 'url', value: site.logo_url ?? '', maxlength: '500',
          placeholder: 'https://', autocapitalize: 'none', spellcheck: 'false', 'data-test': 'site-logo-url' }),
      }),
      field({
        label: t('site.greeting'), hint: t('site.greeting.hint'), wide: true,
        control: h('textarea', { name: 'greeting', rows: '3', maxlength: '500', 'data-test': 'site-greeting',
          textContent: site.greeting ?? '' }),
      }),
      field({
        label: t('site.themeColor'),
        control: input({ name: 'theme_color', type: 'color', value: site.theme_color || DEFAULT_COLOR,
          'data-test': 'site-theme-color' }),
      }),
      field({
        label: t('site.position'),
        control: select({ name: 'widget_position', 'data-test': 'site-position' },
          POSITIONS.map((position) => [position, t(`site.position.${position}`)]), site.widget_position || 'right'),
      }),
      field({
        label: t('site.language'), hint: t('site.language.hint'),
        control: select({ name: 'language', 'data-test': 'site-language' },
          SITE_LANGUAGES.map((lang) => [lang, t(`lang.${lang}`)]), site.language || 'zh-CN'),
      })));
}

function securityFields(site) {
  return h('fieldset', { class: 'form-section' },
    h('legend', {}, t('site.security')),
    field({
      label: t('site.origins'), hint: t('site.origins.hint'), wide: true,
      control: h('textarea', { name: 'allowed_origins', rows: '3', spellcheck: 'false', autocapitalize: 'none',
        class: 'mono', 'data-test': 'site-origins', textContent: originsText(site.allowed_origins) }),
    }));
}

/**
 * The form for a new site (`site` null: name, address, company) or an existing one (everything;
 * `teams` are offered as its fallback team).
 * `onSaved(site)` runs after the server accepted it.
 */
export function siteForm(ctx, { site, companies, teams = [], onSaved }) {
  const isNew = !site;
  const chooseCompany = companies.length > 1;
  const companyName = companies.find((company) => company.id === site?.company_id)?.name ?? '';
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'site-save' },
    t(isNew ? 'site.create' : 'action.save'));
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' }, basicFields(site, companies, chooseCompany)),
    isNew ? null : cardFields(site, companyName),
    isNew ? null : chatFields(site),
    isNew ? null : routingFields(site, teams),
    isNew ? null : hoursFields(site),
    isNew ? null : offlineFields(site),
    isNew ? null : visitorFields(site),
    isNew ? null : securityFields(site),
    h('div', { class: 'form-actions' }, save));

  let prechat = site?.prechat_fields ?? [];
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const failures = validateSite(values).filter((failure) => Object.hasOwn(values, failure.field));
    if (!reportValidation(form, failures)) return;
    setBusy(save, true);
    try {
      const body = siteBody(values, { isNew, chooseCompany, prechat });
      const result = isNew ? await ctx.api.post('/api/sites', body)
        : await ctx.api.patch(`/api/sites/${site.id}`, body);
      if (!isNew) {
        form.elements.allowed_origins.value = originsText(result.site.allowed_origins);
        prechat = result.site.prechat_fields ?? [];
        showSavedHours(form, result.site.business_hours);
      }
      await onSaved(result.site);
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, FIELDS, FIELD_ALIASES));
    } finally {
      setBusy(save, false);
    }
  });
  if (isNew) return form;
  return h('div', { class: 'split' }, form, sitePreview(form, companyName));
}
