// Blocks (#/blocks, supervisors and up): who may not chat — a visitor, an address or a range — added and lifted.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, formValues, input, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { formatDateTime } from '../../console/present.js';
import { labelRefusal } from '../console/live.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, pageHeader, section } from './common.js';

const KINDS = ['visitor', 'ip', 'range'];
const FIELDS = ['kind', 'value', 'site_id', 'reason'];

/** POST /api/blocks from the form: '' site means every site of the company (null). */
export function blockBody(values) {
  return {
    kind: values.kind,
    value: values.value.trim(),
    site_id: values.site_id ? Number(values.site_id) : null,
    reason: values.reason.trim(),
  };
}

function addForm(ctx, sites, onAdded) {
  const value = input({ name: 'value', maxlength: '64', autocomplete: 'off', spellcheck: 'false', 'data-test': 'block-value' });
  const kind = select({ name: 'kind', 'data-test': 'block-kind' }, KINDS.map((k) => [k, t(`blocks.kind.${k}`)]), 'visitor');
  const hint = () => { value.placeholder = t(`blocks.value.${kind.value}`); };
  kind.addEventListener('change', hint);
  hint();
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'block-add' }, t('blocks.add'));
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'block-form' },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('blocks.kind'), control: kind }),
      field({ label: t('blocks.value'), hint: t('blocks.value.hint'), control: value }),
      field({ label: t('blocks.site'), hint: t('blocks.site.hint'),
        control: select({ name: 'site_id', 'data-test': 'block-site' },
          [['', t('blocks.site.all')], ...sites.map((site) => [String(site.id), site.name])], sites.length === 1 ? String(sites[0].id) : '') }),
      field({ label: t('blocks.reason'), hint: t('blocks.reason.hint'),
        control: input({ name: 'reason', maxlength: '200', 'data-test': 'block-reason' }) })),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!values.value.trim()) {
      showFormError(form, t('error.invalid.value'), 'value');
      return;
    }
    setBusy(save, true);
    try {
      await ctx.api.post('/api/blocks', blockBody(values));
      ctx.notify(t('blocks.added'));
      onAdded();
    } catch (error) {
      showFormError(form, errorMessage(error, t), FIELDS.includes(error.field) ? error.field : null);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function remove(ctx, block) {
  return openDialog({
    title: t('blocks.remove.title'), message: t('blocks.remove.message', { value: block.value }),
    okLabel: t('blocks.remove'),
    onConfirm: async () => {
      await ctx.api.post(`/api/blocks/${block.id}/remove`, {}).catch((error) => { throw labelRefusal(error, 'unblock'); });
      ctx.notify(t('blocks.removed'));
      ctx.rerender();
    },
  });
}

function blockRow(ctx, block, siteName) {
  const cell = (label, ...content) => h('td', { 'data-label': label }, content);
  const lifted = block.removed_at !== null;
  return h('tr', { 'data-test': 'block-row', 'data-kind': block.kind, 'data-value': block.value, class: lifted ? 'is-inactive' : '' },
    cell(t('blocks.kind'), t(`blocks.kind.${block.kind}`)),
    cell(t('blocks.value'), h('span', { class: 'mono' }, block.kind === 'visitor' ? `#${block.value}` : block.value)),
    cell(t('blocks.site'), block.site_id === null ? t('blocks.site.all') : siteName(block.site_id)),
    cell(t('blocks.reason'), block.reason || '—'),
    cell(t('blocks.when'), formatDateTime(block.created_at, getLanguage()),
      lifted ? h('div', { class: 'muted' }, t('blocks.lifted', { when: formatDateTime(block.removed_at, getLanguage()) })) : null),
    cell(t('user.actions'), lifted ? null : button(t('blocks.remove'),
      () => remove(ctx, block).catch((error) => ctx.notify(errorMessage(error, t), 'error')),
      { kind: 'small', test: 'block-remove' })));
}

export async function blocksView(ctx) {
  const showLifted = new URLSearchParams(location.hash.split('?')[1] || '').get('removed') === '1';
  const [{ blocks }, { sites }] = await Promise.all([
    ctx.api.get(`/api/blocks?removed=${showLifted ? 1 : 0}`), ctx.api.get('/api/sites')]);
  const names = new Map(sites.map((site) => [site.id, site.name]));
  const siteName = (id) => names.get(id) || `#${id}`;
  const head = [t('blocks.kind'), t('blocks.value'), t('blocks.site'), t('blocks.reason'), t('blocks.when'), t('user.actions')];
  const list = blocks.length ? h('div', { class: 'card card-flush table-wrap' }, h('table', { class: 'table', 'data-test': 'block-table' },
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, blocks.map((block) => blockRow(ctx, block, siteName)))))
    : emptyState(t('blocks.empty'), null, { test: 'blocks-empty' });
  const toggle = h('a', { class: 'button button-quiet', 'data-test': 'blocks-lifted',
    href: showLifted ? '#/blocks' : '#/blocks?removed=1' }, t(showLifted ? 'blocks.hideLifted' : 'blocks.showLifted'));
  return page(
    pageHeader(t('blocks.title'), { lead: t('blocks.lead'), actions: [toggle] }),
    section(t('blocks.new'), addForm(ctx, sites, () => ctx.rerender())),
    list);
}
