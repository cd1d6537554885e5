// Synonyms (#/kb/synonyms): groups of words the bot treats as one (发票 = 开票 = invoice); managers add, edit and delete.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, input, reportValidation, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { termsFromText, validateTerms } from '../../kb/entries.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb } from './kb-common.js';

function termsInput(value = '') {
  return input({ name: 'terms', value, autocomplete: 'off', 'data-test': 'kb-synonym-terms',
    placeholder: t('kb.synonyms.placeholder') });
}

function addForm(ctx, kb) {
  const save = button(t('kb.synonyms.add'), null, { kind: 'primary', type: 'submit', test: 'kb-synonym-save' });
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' }, field({ label: t('kb.synonyms.terms'), hint: t('kb.synonyms.hint'), control: termsInput(), wide: true })),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = form.elements.terms.value;
    if (!reportValidation(form, validateTerms(text))) return;
    setBusy(save, true);
    try {
      await ctx.api.post(`/api/companies/${kb.company.id}/kb/synonyms`, { terms: termsFromText(text) });
      ctx.notify(t('kb.synonyms.added'));
      ctx.rerender();
    } catch (error) {
      showFormError(form, errorMessage(error, t), error.field === 'terms' ? 'terms' : null);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function edit(ctx, group) {
  return openDialog({
    title: t('kb.synonyms.edit'), okLabel: t('action.save'),
    fields: [field({ label: t('kb.synonyms.terms'), hint: t('kb.synonyms.hint'), control: termsInput(group.terms.join(', ')) })],
    onConfirm: async (values) => {
      const failures = validateTerms(values.terms);
      if (failures.length) return failures;
      await ctx.api.patch(`/api/kb/synonyms/${group.id}`, { terms: termsFromText(values.terms) });
      ctx.notify(t('kb.synonyms.saved'));
      ctx.rerender();
      return [];
    },
  });
}

function remove(ctx, group) {
  return openDialog({
    title: t('kb.synonyms.delete.title'), message: group.terms.join(' = '), okLabel: t('kb.delete'), danger: true,
    onConfirm: async () => {
      await ctx.api.delete(`/api/kb/synonyms/${group.id}`);
      ctx.notify(t('kb.synonyms.deleted'));
      ctx.rerender();
    },
  });
}

function groupList(ctx, groups, manager) {
  if (!groups.length) return emptyState(t('kb.synonyms.none'), t('kb.synonyms.noneHint'), { test: 'kb-synonyms-empty', icon: 'chat' });
  const run = (promise) => promise.catch((error) => ctx.notify(errorMessage(error, t), 'error'));
  return h('ul', { class: 'list', 'data-test': 'kb-synonyms' }, groups.map((group) => h('li', {
    class: 'list-row', 'data-test': 'kb-synonym-row', 'data-id': String(group.id),
  },
  h('div', { class: 'list-main' }, h('ul', { class: 'chips' }, group.terms.map((term) => h('li', { class: 'chip' }, term)))),
  manager ? h('div', { class: 'row-actions' },
    button(t('action.edit'), () => run(edit(ctx, group)), { kind: 'small', test: 'kb-synonym-edit' }),
    button(t('kb.delete'), () => run(remove(ctx, group)), { kind: 'small danger', test: 'kb-synonym-delete' })) : null)));
}

export async function kbSynonymsView(ctx) {
  const kb = await loadKb(ctx);
  if (!kb.company) return page(kbHeader(ctx, kb, 'kb-synonyms'), emptyState(t('kb.noCompany'), null, { icon: 'chat' }));
  const { synonyms } = await ctx.api.get(`/api/companies/${kb.company.id}/kb/synonyms`);
  return page(
    kbHeader(ctx, kb, 'kb-synonyms', { lead: t('kb.synonyms.lead') }),
    kb.manager ? section(t('kb.synonyms.new'), addForm(ctx, kb)) : null,
    section(t('kb.synonyms.title'), groupList(ctx, synonyms, kb.manager), { test: 'kb-synonyms-list' }));
}
