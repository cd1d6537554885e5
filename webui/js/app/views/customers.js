// Customers (#/customers): one company's customers, searched by name, phone, e-mail, tag or own field; import/export.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { clearFormError, errorBox, field, input, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { isManager } from '../../roles.js';
import { hrefFor } from '../../routes.js';
import { customerBody, importRefusal, importRowProblem, phoneText } from '../../customers/model.js';
import { uploadWithProgress } from '../../upload-progress.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, formatDate, page, pageHeader, section } from './common.js';

const PAGE = 50;
let chosenCompany = null;
let lastQuery = { q: '', tag: '', field: '', value: '' };

/** The company shown: the one chosen before, else the first the user serves. */
export function currentCompany(companies) {
  const found = companies.find((company) => company.id === chosenCompany) || companies[0] || null;
  chosenCompany = found?.id ?? null;
  return found;
}

export function companyPicker(ctx, companies, company) {
  if (companies.length < 2) return null;
  return h('label', { class: 'inline-label' }, t('customers.company'),
    select({ 'data-test': 'company-select', onchange: (event) => {
      chosenCompany = Number(event.target.value);
      ctx.rerender();
    } }, companies.map((item) => [String(item.id), item.name]), String(company.id)));
}

function customerRow(customer, owners) {
  return h('tr', { 'data-test': 'customer-row', 'data-customer-id': customer.id },
    h('td', { 'data-label': t('customer.name') },
      h('a', { href: hrefFor('customer', { id: customer.id }), class: 'list-title' }, customer.name || t('customer.unnamed'))),
    h('td', { 'data-label': t('customer.phone'), class: 'mono' }, phoneText(customer.phone)),
    h('td', { 'data-label': t('customer.contact') }, [customer.email, customer.wechat && `WeChat ${customer.wechat}`]
      .filter(Boolean).join(' · ')),
    h('td', { 'data-label': t('customer.tags') },
      h('ul', { class: 'chips' }, customer.tags.map((tag) => h('li', { class: 'chip' }, tag)))),
    h('td', { 'data-label': t('customer.owner') }, owners.get(customer.owner_id) || ''),
    h('td', { 'data-label': t('customer.updated') }, formatDate(customer.updated_at)));
}

function newCustomer(ctx, company) {
  const control = (name, props = {}) => input({ name, autocomplete: 'off', 'data-test': `customer-${name}`, ...props });
  // A phone or e-mail another customer has: name them, and let the agent add this one anyway.
  const existing = h('a', { 'data-test': 'customer-duplicate-link', onclick: () => existing.closest('dialog')?.close() });
  const anyway = h('input', { type: 'checkbox', 'data-test': 'customer-allow-duplicate' });
  const duplicate = h('div', { class: 'field field-wide', hidden: true, 'data-test': 'customer-duplicate' },
    h('p', {}, existing), h('label', { class: 'check-field' }, anyway, ' ', t('customers.duplicate.allow')));
  const showDuplicate = (id) => {
    existing.href = hrefFor('customer', { id });
    existing.textContent = t('customers.duplicate.open', { id });
    duplicate.hidden = false;
  };
  return openDialog({
    title: t('customers.new'),
    okLabel: t('customers.create'),
    fields: [
      field({ label: t('customer.name'), control: control('name', { maxlength: '80' }) }),
      field({ label: t('customer.phone'), hint: t('customer.phone.hint'), control: control('phone', { inputmode: 'tel' }) }),
      field({ label: t('customer.email'), control: control('email', { type: 'email' }) }),
      field({ label: t('customer.wechat'), control: control('wechat') }),
      field({ label: t('customer.tags'), hint: t('customer.tags.hint'), control: control('tags') }),
      duplicate,
    ],
    onConfirm: async (values) => {
      const body = { ...customerBody(values), ...(anyway.checked ? { allow_duplicate: true } : {}) };
      try {
        const { customer } = await ctx.api.post(`/api/companies/${company.id}/customers`, body);
        ctx.navigate(hrefFor('customer', { id: customer.id }));
      } catch (error) {
        if (error.code === 'conflict' && error.customerId) showDuplicate(error.customerId);
        throw error;
      }
    },
  });
}

function searchForm(ctx, company) {
  const fields = company.settings?.customer_fields || [];
  const form = h('form', { class: 'form form-inline customer-search', role: 'search', novalidate: true },
    errorBox(),
    h('div', { class: 'inline-row' },
      field({ label: t('customers.search'), hint: t('customers.search.hint'),
        control: input({ name: 'q', value: lastQuery.q, maxlength: '100', 'data-test': 'customer-search' }) }),
      field({ label: t('customer.tag'), control: input({ name: 'tag', value: lastQuery.tag, maxlength: '30',
        'data-test': 'customer-tag-filter' }) }),
      fields.length ? field({ label: t('customers.field'), control: select({ name: 'field' },
        [['', '—'], ...fields.map((item) => [item.key, item.label])], lastQuery.field) }) : null,
      fields.length ? field({ label: t('customers.value'), control: input({ name: 'value', value: lastQuery.value,
        maxlength: '200' }) }) : null,
      h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'customer-search-go' }, t('customers.find'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    lastQuery = { q: data.get('q') || '', tag: data.get('tag') || '', field: data.get('field') || '', value: data.get('value') || '' };
    ctx.rerender();
  });
  return form;
}

/** What an import (or its check, or a refusal) answered: a sentence, the duplicates, the broken rows. */
function importOutcome(answer, sentence) {
  return [
    h('p', { 'data-test': 'import-summary' }, t(sentence, {
      imported: sentence === 'customers.import.done' ? answer.imported : answer.importable ?? answer.imported,
      duplicates: answer.duplicates.length, errors: answer.errors.length })),
    answer.duplicates.length ? h('ul', { class: 'import-duplicates', 'data-test': 'import-duplicates' },
      answer.duplicates.map((item) => h('li', {}, t('customers.import.duplicate', {
        row: item.row, contact: item.phone || item.email })))) : null,
    answer.errors.length ? h('ul', { class: 'import-errors', 'data-test': 'import-errors' },
      answer.errors.map((item) => h('li', {}, t('customers.import.rowError', {
        row: item.row, message: importRowProblem(item, t, getLanguage()) })))) : null,
  ];
}

function importPanel(ctx, company) {
  const progress = h('progress', { max: '1', value: '0', hidden: true, 'data-test': 'import-progress' });
  const result = h('div', { class: 'import-result', 'data-test': 'import-result', 'aria-live': 'polite' });
  const fileInput = h('input', { type: 'file', name: 'file', accept: '.csv,.xlsx', 'data-test': 'import-file' });
  const dryRun = h('input', { type: 'checkbox', name: 'dry_run', id: 'import-dry-run' });
  const go = h('button', { type: 'submit', class: 'button', 'data-test': 'import-go' }, t('customers.import'));
  const form = h('form', { class: 'form form-inline', novalidate: true }, errorBox(),
    h('div', { class: 'inline-row' }, fileInput,
      h('span', { class: 'check' }, dryRun, h('label', { for: 'import-dry-run' }, t('customers.import.dryRun'))), go),
    progress, result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormError(form);
    const file = fileInput.files?.[0];
    if (!file) {
      showFormError(form, t('customers.import.choose'), 'file');
      return;
    }
    setBusy(go, true);
    progress.hidden = false;
    progress.value = 0;
    result.replaceChildren();
    const checking = dryRun.checked;
    const send = (check) => uploadWithProgress(`/api/companies/${company.id}/customers/import${check ? '?dry_run=1' : ''}`,
      file, (fraction) => { progress.value = fraction; });
    try {
      const answer = await send(checking);
      result.replaceChildren(...importOutcome(answer, checking ? 'customers.import.checked' : 'customers.import.done'));
      if (!checking && answer.imported) ctx.notify(t('customers.import.notify', { count: answer.imported }));
    } catch (error) {
      // Broken rows refuse the whole file (nothing imported); a check-only run lists them by number.
      const rows = !checking && error.status === 400 && error.field === 'file' ? await send(true).catch(() => null) : null;
      if (rows?.errors?.length) result.replaceChildren(...importOutcome(rows, 'customers.import.refused'));
      else showFormError(form, importRefusal(error, t, getLanguage()), null);
    } finally {
      setBusy(go, false);
    }
  });
  const link = (fmt) => h('a', { class: 'button button-small', href: `/api/companies/${company.id}/customers/export?format=${fmt}`,
    download: '', 'data-test': `export-${fmt}` }, t(`customers.export.${fmt}`));
  return section(t('customers.files'), [form, h('div', { class: 'row-actions' }, link('csv'), link('xlsx'))],
    { description: t('customers.files.description'), test: 'customer-files' });
}

export async function customersView(ctx) {
  const [{ companies }, agents] = await Promise.all([ctx.api.get('/api/companies'),
    ctx.api.get('/api/agents').then((answer) => answer.agents, () => [])]);
  const company = currentCompany(companies);
  if (!company) return page(pageHeader(t('customers.title')), emptyState(t('customers.noCompany')));
  const owners = new Map([[ctx.me.id, ctx.me.display_name], ...agents.map((agent) => [agent.id, agent.display_name])]);
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const [key, value] of Object.entries(lastQuery)) if (value) params.set(key, value);
  let offset = 0;
  const tbody = h('tbody');
  const more = button(t('customers.more'), () => load(), { test: 'customers-more' });
  const count = h('p', { class: 'muted', 'data-test': 'customer-count' });
  const listBox = h('div', { class: 'list-status', role: 'status' });
  async function load() {
    params.set('offset', String(offset));
    try {
      const answer = await ctx.api.get(`/api/companies/${company.id}/customers?${params}`);
      tbody.append(...answer.customers.map((customer) => customerRow(customer, owners)));
      offset += answer.customers.length;
      count.textContent = t('customers.count', { count: answer.total });
      more.hidden = offset >= answer.total;
      listBox.replaceChildren();
    } catch (error) {
      listBox.replaceChildren(h('p', { role: 'alert' }, errorMessage(error, t)));
      showFieldError(error);
    }
  }
  const search = searchForm(ctx, company);
  function showFieldError(error) {
    const name = resolveField(error.field, ['q', 'tag', 'field', 'value']);
    if (name) showFormError(search, errorMessage(error, t), name);
  }
  await load();
  const head = [t('customer.name'), t('customer.phone'), t('customer.contact'), t('customer.tags'), t('customer.owner'),
    t('customer.updated')];
  return page(
    pageHeader(t('customers.title'), { lead: t('customers.lead', { company: company.name }),
      actions: [companyPicker(ctx, companies, company),
        button(t('customers.new'), () => newCustomer(ctx, company).catch(() => {}), { kind: 'primary', test: 'customer-new' })]
        .filter(Boolean) }),
    section(null, search),
    h('div', { class: 'card card-flush table-wrap' },
      h('table', { class: 'table', 'data-test': 'customer-table' },
        h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))), tbody),
      listBox, h('div', { class: 'table-foot' }, count, more)),
    isManager(ctx.me.role) ? importPanel(ctx, company) : null);
}
