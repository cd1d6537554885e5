// A site's question categories: visitors pick one, and its team answers. Add, rename, route, delete.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { categoryBody, nextCategoryPosition } from '../../payloads.js';
import { LIMITS, validateCategory } from '../../validation.js';
import { openDialog } from '../dialog.js';
import { button, section } from './common.js';
import { teamOptions, teamsForSite } from './site-routing.js';

/** One category as a small inline form; `category` null for one not saved yet. */
function categoryRow(ctx, { site, teams, category, list, onRemoved }) {
  const save = h('button', { type: 'submit', class: 'button button-small button-primary', 'data-test': 'category-save' },
    t(category ? 'action.save' : 'category.add'));
  const remove = button(t('category.delete'), () => removeRow(), { kind: 'small danger', test: 'category-delete' });
  const form = h('form', { class: 'form inline-form', novalidate: true },
    errorBox(),
    h('div', { class: 'inline-row' },
      field({ label: t('category.name'), control: input({ name: 'name', value: category?.name ?? '',
        maxlength: String(LIMITS.categoryNameMax), 'data-test': 'category-name' }) }),
      field({ label: t('category.team'), control: select({ name: 'team_id', 'data-test': 'category-team' },
        teamOptions(teams, t('category.team.none')), category?.team_id ? String(category.team_id) : '') }),
      h('div', { class: 'row-actions' }, save, remove)));
  const row = h('li', { class: 'list-row list-row-form', 'data-test': 'category-row' }, form);
  const mark = () => {
    if (category) row.dataset.categoryId = String(category.id);
  };
  mark();

  async function removeRow() {
    if (!category) {
      row.remove();
      onRemoved();
      return;
    }
    const removed = await openDialog({
      title: t('category.delete.title', { name: category.name }), message: t('category.delete.message'),
      okLabel: t('category.delete'), danger: true,
      onConfirm: () => ctx.api.delete(`/api/categories/${category.id}`),
    }).catch((error) => ctx.notify(errorMessage(error, t), 'error'));
    if (!removed) return;
    row.remove();
    onRemoved();
    ctx.notify(t('category.deleted', { name: category.name }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateCategory(values))) return;
    setBusy(save, true);
    try {
      const position = category ? category.position : nextCategoryPosition(list());
      const body = categoryBody(values, position);
      const result = category ? await ctx.api.patch(`/api/categories/${category.id}`, body)
        : await ctx.api.post(`/api/sites/${site.id}/categories`, body);
      category = result.category;
      save.textContent = t('action.save');
      mark();
      ctx.notify(t('category.saved', { name: category.name }));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, ['name', 'team_id']));
    } finally {
      setBusy(save, false);
    }
  });
  return { row, current: () => category };
}

/** The question-categories card of `site` (`teams`: every team; the site's own and shared ones are offered). */
export function categoriesPanel(ctx, site, teams, categories) {
  const usable = teamsForSite(teams, site.id);
  const rows = [];
  const listEl = h('ul', { class: 'list', 'data-test': 'category-list' });
  const empty = h('p', { class: 'muted empty-line' }, t('category.empty'));
  const saved = () => rows.map((entry) => entry.current()).filter(Boolean);
  const refresh = () => {
    empty.hidden = listEl.childElementCount > 0;
  };
  const add = (category) => {
    const entry = categoryRow(ctx, {
      site, teams: usable, category, list: saved,
      onRemoved: () => {
        rows.splice(rows.indexOf(entry), 1);
        refresh();
      },
    });
    rows.push(entry);
    listEl.append(entry.row);
    refresh();
    return entry;
  };
  [...categories].sort((a, b) => a.position - b.position || a.id - b.id).forEach(add);
  const newButton = button(t('category.new'), () => add(null).row.querySelector('input').focus(),
    { kind: 'small', test: 'new-category' });
  return section(t('category.title'), [listEl, empty, h('div', { class: 'form-actions' }, newButton)],
    { description: t('category.description'), test: 'categories-panel', className: 'card-flush-list' });
}
