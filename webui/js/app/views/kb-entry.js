// One knowledge-base entry (#/kb/new, #/kb/<id>): managers edit question, phrasings, rich answer, category, site; others read it.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { KB_LIMITS, phrasingsFromText, validateEntry } from '../../kb/entries.js';
import { hrefFor } from '../../routes.js';
import { openDialog } from '../dialog.js';
import { button, page, pageHeader, section } from './common.js';
import { loadKb, siteName, siteOptions, withCompany } from './kb-common.js';
import { createAnswerEditor, renderAnswer } from './kb-rich.js';

const FIELDS = ['question', 'phrasings', 'answer', 'category', 'site_id', 'enabled'];

/** Send the entry form; `editor` holds the answer. Resolves with the saved entry, or null after showing why not. */
export async function submitEntry(ctx, form, editor, send) {
  const values = formValues(form);
  const failures = validateEntry({ ...values, answerEmpty: editor.isEmpty(), answerLength: editor.size() });
  if (!reportValidation(form, failures)) return null;
  const body = {
    question: values.question.trim(), phrasings: phrasingsFromText(values.phrasings), answer: editor.value(),
    category: (values.category || '').trim(),
  };
  if ('site_id' in values) body.site_id = values.site_id ? Number(values.site_id) : null;
  if ('enabled' in values) body.enabled = values.enabled.includes('1');
  try {
    return await send(body);
  } catch (error) {
    showFormError(form, errorMessage(error, t), resolveField(error.field, FIELDS));
    return null;
  }
}

/** The entry's fields; `entry` null for a new one. `categories` fill the category suggestions. */
export function entryFields(kb, entry, categories, editor, { withSite = true, withEnabled = true } = {}) {
  const listId = `kb-categories-${Math.random().toString(36).slice(2)}`;
  return [
    field({ label: t('kb.question'), hint: t('kb.question.hint'), wide: true,
      control: input({ name: 'question', value: entry?.question ?? '', maxlength: String(KB_LIMITS.questionMax + 20),
        'data-test': 'kb-question', autocomplete: 'off' }) }),
    field({ label: t('kb.phrasings'), hint: t('kb.phrasings.hint'), wide: true,
      control: h('textarea', { name: 'phrasings', rows: '4', 'data-test': 'kb-phrasings',
        value: (entry?.phrasings ?? []).join('\n') }) }),
    h('div', { class: 'field field-wide' },
      h('span', { class: 'field-label', id: `${listId}-answer` }, t('kb.answer')),
      editor.element, h('p', { class: 'hint' }, t('kb.answer.hint'))),
    field({ label: t('kb.category'), hint: t('kb.category.hint'),
      control: input({ name: 'category', value: entry?.category ?? '', list: listId, maxlength: String(KB_LIMITS.categoryMax + 10),
        'data-test': 'kb-category', autocomplete: 'off' }) }),
    h('datalist', { id: listId }, categories.map((name) => h('option', { value: name }))),
    withSite ? field({ label: t('kb.site'), hint: t('kb.site.hint'),
      control: select({ name: 'site_id', 'data-test': 'kb-site' }, siteOptions(kb),
        entry?.site_id ? String(entry.site_id) : '') }) : null,
    withEnabled ? h('div', { class: 'field' }, h('label', { class: 'check-field' },
      h('input', { type: 'checkbox', name: 'enabled', value: '1', checked: entry ? entry.enabled : true, 'data-test': 'kb-enabled' }),
      ' ', t('kb.enabled'))) : null,
  ];
}

function readOnly(kb, entry) {
  return section(null, h('dl', { class: 'kb-read', 'data-test': 'kb-entry-read' },
    h('dt', {}, t('kb.question')), h('dd', {}, entry.question),
    h('dt', {}, t('kb.phrasings')), h('dd', {}, entry.phrasings.length
      ? h('ul', { class: 'chips', 'data-test': 'kb-entry-phrasings' }, entry.phrasings.map((p) => h('li', { class: 'chip' }, p)))
      : h('span', { class: 'muted' }, t('kb.phrasings.none'))),
    h('dt', {}, t('kb.answer')), h('dd', {}, renderAnswer(entry.answer)),
    h('dt', {}, t('kb.category')), h('dd', {}, entry.category || '—'),
    h('dt', {}, t('kb.site')), h('dd', {}, siteName(kb, entry.site_id)),
    h('dt', {}, t('kb.enabled')), h('dd', {}, entry.enabled ? t('kb.enabled.yes') : t('kb.disabled'))));
}

function remove(ctx, entry) {
  return openDialog({
    title: t('kb.delete.title'), message: t('kb.delete.message', { question: entry.question }),
    okLabel: t('kb.delete'), danger: true,
    onConfirm: async () => {
      await ctx.api.delete(`/api/kb/entries/${entry.id}`);
      ctx.notify(t('kb.deleted'));
      ctx.navigate(hrefFor('kb'));
    },
  });
}

export async function kbEntryView(ctx, { id }) {
  const loaded = await loadKb(ctx);
  const entry = id ? (await ctx.api.get(`/api/kb/entries/${id}`)).entry : null;
  const kb = entry ? withCompany(loaded, entry.company_id) : loaded;
  const categoryList = kb.company ? await ctx.api.get(`/api/companies/${kb.company.id}/kb/categories`) : { categories: [] };
  const back = { href: hrefFor('kb'), label: t('kb.title') };
  if (!kb.manager) {
    if (!entry) return page(pageHeader(t('kb.new'), { back }), section(null, h('p', {}, t('kb.readOnly'))));
    return page(pageHeader(entry.question, { back }), readOnly(kb, entry));
  }
  const editor = createAnswerEditor(entry?.answer ?? '');
  const save = button(t(entry ? 'action.save' : 'kb.create'), null, { kind: 'primary', type: 'submit', test: 'kb-save' });
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'kb-entry-form' },
    errorBox(), h('div', { class: 'form-grid' }, entryFields(kb, entry, categoryList.categories, editor)),
    h('div', { class: 'form-actions' }, save,
      entry ? button(t('kb.delete'), () => remove(ctx, entry).catch((error) => ctx.notify(errorMessage(error, t), 'error')),
        { kind: 'danger', test: 'kb-delete' }) : null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(save, true);
    const saved = await submitEntry(ctx, form, editor, (body) => (entry
      ? ctx.api.patch(`/api/kb/entries/${entry.id}`, body)
      : ctx.api.post(`/api/companies/${kb.company.id}/kb/entries`, body)));
    setBusy(save, false);
    if (!saved) return;
    ctx.notify(t(entry ? 'kb.saved' : 'kb.created'));
    if (entry) ctx.rerender();
    else ctx.navigate(hrefFor('kb-entry', { id: saved.entry.id }));
  });
  return page(pageHeader(entry ? t('kb.edit.title') : t('kb.new'), { back, lead: kb.company ? kb.company.name : null }),
    section(null, form, { test: 'kb-entry' }));
}
