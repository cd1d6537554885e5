// A company's settings for customers, leads and reports: own fields, the effective-lead rule, report mail, retention.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import {
  auditSubject, customFieldsBody, FIELD_TYPES, recipientsText, REQUIRABLE, SCHEDULES, settingsBody,
} from '../../customers/model.js';

const FIELDS = ['timezone', 'lead_required', 'duplicate_days', 'report_schedule', 'report_emails', 'report_recipients',
  'retention_days', 'customer_fields'];

function fieldRow(spec = {}) {
  const row = h('li', { class: 'custom-field-row', 'data-test': 'custom-field-row' },
    input({ name: 'cf_key', value: spec.key || '', placeholder: t('settings.field.key'), maxlength: '30', 'aria-label': t('settings.field.key') }),
    input({ name: 'cf_label', value: spec.label || '', placeholder: t('settings.field.label'), maxlength: '40',
      'aria-label': t('settings.field.label') }),
    select({ name: 'cf_type', 'aria-label': t('settings.field.type') },
      FIELD_TYPES.map((type) => [type, t(`settings.field.type.${type}`)]), spec.type || 'text'),
    input({ name: 'cf_choices', value: (spec.choices || []).join(', '), placeholder: t('settings.field.choices'),
      'aria-label': t('settings.field.choices') }),
    h('button', { type: 'button', class: 'button button-small', onclick: () => row.remove() }, t('settings.field.remove')));
  return row;
}

function rulesChecklist(company, required) {
  return h('fieldset', { class: 'form-section' }, h('legend', {}, t('settings.leadRequired')),
    h('p', { class: 'hint' }, t('settings.leadRequired.hint')),
    h('ul', { class: 'checklist' }, REQUIRABLE.map((name) => {
      const id = `rule-${company.id}-${name}`;
      return h('li', {}, h('input', { type: 'checkbox', id, name: 'lead_required', value: name, checked: required.includes(name),
        'data-test': 'lead-rule' }), h('label', { for: id }, t(`lead.${name}`)));
    })));
}

/** The settings form of one company (owners and admins). */
export function companySettings(ctx, company) {
  const settings = company.settings || {};
  const list = h('ul', { class: 'custom-fields' }, (settings.customer_fields || []).map((spec) => fieldRow(spec)));
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'company-settings-save' }, t('action.save'));
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'company-settings', 'data-company-id': company.id },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('settings.timezone'), hint: t('settings.timezone.hint'),
        control: input({ name: 'timezone', value: settings.timezone || 'Asia/Shanghai', 'data-test': 'settings-timezone' }) }),
      field({ label: t('settings.duplicateDays'), hint: t('settings.duplicateDays.hint'),
        control: input({ name: 'duplicate_days', type: 'number', min: '0', max: '365', value: String(settings.duplicate_days ?? 30) }) }),
      field({ label: t('settings.schedule'), hint: t('settings.schedule.hint'),
        control: select({ name: 'report_schedule', 'data-test': 'settings-schedule' },
          SCHEDULES.map((value) => [value, t(`settings.schedule.${value}`)]), settings.report_schedule || 'off') }),
      field({ label: t('settings.emails'), hint: t('settings.emails.hint'),
        control: input({ name: 'report_emails', value: (settings.report_emails || []).join(', '), 'data-test': 'settings-emails' }) }),
      field({ label: t('settings.recipients'), hint: t('settings.recipients.hint'), wide: true,
        control: h('textarea', { name: 'report_recipients', rows: '3', 'data-test': 'settings-recipients',
          placeholder: t('settings.recipients.placeholder'), value: recipientsText(settings.report_recipients) }) }),
      field({ label: t('settings.retention'), hint: t('settings.retention.hint'),
        control: input({ name: 'retention_days', type: 'number', min: '0', max: '3650', value: String(settings.retention_days ?? 0) }) })),
    rulesChecklist(company, settings.lead_required || []),
    h('fieldset', { class: 'form-section' }, h('legend', {}, t('settings.fields')),
      h('p', { class: 'hint' }, t('settings.fields.hint')), list,
      h('button', { type: 'button', class: 'button button-small', 'data-test': 'custom-field-add',
        onclick: () => list.append(fieldRow()) }, t('settings.field.add'))),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const rows = [...list.querySelectorAll('.custom-field-row')].map((row) => ({
      key: row.querySelector('[name="cf_key"]').value, label: row.querySelector('[name="cf_label"]').value,
      type: row.querySelector('[name="cf_type"]').value, choices: row.querySelector('[name="cf_choices"]').value }));
    setBusy(save, true);
    try {
      await ctx.api.patch(`/api/companies/${company.id}`, {
        settings: { ...settingsBody(values), customer_fields: customFieldsBody(rows) } });
      ctx.notify(t('settings.saved', { name: company.name }));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, FIELDS));
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

/** The company's audit log (who exported or erased whose data), loaded when opened. */
export function auditLog(ctx, company) {
  const list = h('ul', { class: 'list' });
  const details = h('details', { class: 'audit-log', 'data-test': 'audit-log' },
    h('summary', {}, t('settings.audit')), list);
  details.addEventListener('toggle', async () => {
    if (!details.open) return;
    try {
      const { entries } = await ctx.api.get(`/api/companies/${company.id}/audit-log`);
      list.replaceChildren(...(entries.length ? entries.map((entry) => h('li', { class: 'list-row', 'data-test': 'audit-row' },
        h('div', { class: 'list-main' }, t(`settings.audit.${entry.action}`), ' · ', auditSubject(entry.subject, t),
          h('div', { class: 'muted' }, `${entry.actor_name} · ${new Date(entry.created_at).toLocaleString(document.documentElement.lang)}`))))
        : [h('li', { class: 'muted' }, t('settings.audit.none'))]));
    } catch (error) {
      list.replaceChildren(h('li', { role: 'alert' }, errorMessage(error, t)));
    }
  });
  return details;
}
