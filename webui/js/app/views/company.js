// Company page (owner/admin): rename the company, its chat limit; client companies appear only when asked for.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { companyBody } from '../../payloads.js';
import { LIMITS, validateCompany } from '../../validation.js';
import { page, pageHeader, section } from './common.js';
import { auditLog, companySettings } from './company-settings.js';

/** Customers, leads and reports settings of each company (one section each). */
function settingsSections(ctx, companies) {
  return companies.map((company) => section(t('settings.title', { name: company.name }),
    [companySettings(ctx, company), auditLog(ctx, company)],
    { description: t('settings.description'), test: 'company-settings-section' }));
}

/** The company's default limit of concurrent chats per agent (users may have their own). */
function maxChatsField(company) {
  return field({
    label: t('company.maxChats'), hint: t('company.maxChats.hint'),
    control: input({ name: 'max_chats', type: 'number', inputmode: 'numeric', min: String(LIMITS.maxChatsMin),
      max: String(LIMITS.maxChatsMax), step: '1', value: String(company.max_chats ?? 5), class: 'input-narrow',
      'data-test': 'company-max-chats' }),
  });
}

/**
 * A small form sending `{name}` (plus whatever `extra` fields hold) through `send(values)`;
 * `submitLabel` names the action, `test` prefixes its hooks.
 */
function nameForm(ctx, { value = '', label, submitLabel, test, extra = null, send, done }) {
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': `${test}-save` }, submitLabel);
  const form = h('form', { class: 'form form-inline', novalidate: true },
    errorBox(),
    h('div', { class: 'inline-row' },
      field({ label, control: input({ name: 'name', value, maxlength: '80', 'data-test': `${test}-name` }) }),
      extra,
      save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateCompany(values))) return;
    setBusy(save, true);
    try {
      const result = await send(values);
      await done(result.company);
    } catch (error) {
      showFormError(form, errorMessage(error, t), error.field === 'max_chats' ? 'max_chats' : 'name');
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function renameForm(ctx, company, { label = t('company.name'), test = 'company' } = {}) {
  return nameForm(ctx, {
    value: company.name, label, submitLabel: t('action.save'), test, extra: maxChatsField(company),
    send: (values) => ctx.api.patch(`/api/companies/${company.id}`, companyBody(values)),
    done: (saved) => ctx.notify(t('company.saved', { name: saved.name })),
  });
}

function addCompany(ctx) {
  return section(t('company.add'), nameForm(ctx, {
    label: t('company.clientName'), submitLabel: t('company.addButton'), test: 'company-add',
    send: (values) => ctx.api.post('/api/companies', { name: values.name.trim() }),
    done: (company) => {
      ctx.notify(t('company.added', { name: company.name }));
      ctx.rerender();
    },
  }), { description: t('company.add.description'), test: 'company-add-section' });
}

function singleCompany(ctx, company) {
  const addSection = addCompany(ctx);
  addSection.hidden = true;
  const reveal = h('button', {
    type: 'button', class: 'link-button', 'data-test': 'company-multi', 'aria-expanded': 'false',
    onclick: () => {
      addSection.hidden = false;
      reveal.setAttribute('aria-expanded', 'true');
      reveal.hidden = true;
      addSection.querySelector('input')?.focus();
    },
  }, t('company.multi'));
  return [
    section(null, company ? renameForm(ctx, company) : null),
    h('p', { class: 'aside-link' }, reveal),
    addSection,
  ];
}

function companyList(ctx, companies, sites) {
  const count = (company) => sites.filter((site) => site.company_id === company.id).length;
  return section(t('company.list'), h('ul', { class: 'list' }, companies.map((company) =>
    h('li', { class: 'list-row list-row-form', 'data-test': 'company-row', 'data-company-id': company.id },
      renameForm(ctx, company, { label: t('company.name'), test: 'company' }),
      h('span', { class: 'muted' }, t('company.siteCount', { count: count(company) }))))),
  { description: t('company.list.description'), className: 'card-flush' });
}

export async function companyView(ctx) {
  const [{ companies }, { sites }] = await Promise.all([
    ctx.api.get('/api/companies'), ctx.api.get('/api/sites'),
  ]);
  const multi = companies.length > 1;
  return page(
    pageHeader(t(multi ? 'company.titleMulti' : 'company.title'), {
      lead: t(multi ? 'company.leadMulti' : 'company.lead'),
    }),
    multi ? [companyList(ctx, companies, sites), addCompany(ctx)] : singleCompany(ctx, companies[0]),
    settingsSections(ctx, companies),
  );
}

