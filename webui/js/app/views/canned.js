// Canned replies page (#/canned): personal replies, and per site or per company (scripts, 话术) for supervisors up.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { BODY_MAX, normalizeShortcut, SHORTCUT_MAX, validateCanned } from '../../console/canned.js';
import { seesAllOpen } from '../../console/store.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, pageHeader, section } from './common.js';

const FIELDS = ['shortcut', 'body', 'site_id'];

function shortcutInput(value = '') {
  return input({ name: 'shortcut', value, maxlength: String(SHORTCUT_MAX + 1), autocomplete: 'off', 'data-test': 'canned-shortcut',
    placeholder: t('canned.shortcut.placeholder') });
}

function bodyInput(value = '') {
  return h('textarea', { name: 'body', rows: '4', maxlength: String(BODY_MAX), 'data-test': 'canned-body', value,
    placeholder: t('canned.body.placeholder') });
}

/** "site:3" / "company:2" / "" (personal) → the POST body's scope. */
function scopeBody(value) {
  const [kind, id] = String(value || '').split(':');
  if (kind === 'company') return { site_id: null, company_id: Number(id) };
  return { site_id: kind === 'site' ? Number(id) : null };
}

function addForm(ctx, sites, companies) {
  const shared = seesAllOpen(ctx.me.role) && sites.length;
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'canned-save' }, t('canned.add'));
  const scope = shared ? select({ name: 'site_id', 'data-test': 'canned-scope' },
    [['', t('canned.scope.personal')],
      ...companies.map((company) => [`company:${company.id}`, t('canned.scope.company', { company: company.name })]),
      ...sites.map((site) => [`site:${site.id}`, t('canned.scope.site', { site: site.name })])], '')
    : null;
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('canned.shortcut'), hint: t('canned.shortcut.hint'), control: shortcutInput() }),
      scope ? field({ label: t('canned.scope'), hint: t('canned.scope.hint'), control: scope }) : null,
      field({ label: t('canned.body'), hint: t('canned.body.hint'), control: bodyInput(), wide: true })),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateCanned(values))) return;
    setBusy(save, true);
    try {
      await ctx.api.post('/api/canned-replies', {
        shortcut: normalizeShortcut(values.shortcut), body: values.body.trim(), ...scopeBody(values.site_id),
      });
      ctx.notify(t('canned.added'));
      await ctx.console.loadCanned();
      ctx.rerender();
    } catch (error) {
      showFormError(form, errorMessage(error, t), FIELDS.includes(error.field) ? error.field : null);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function edit(ctx, reply) {
  return openDialog({
    title: t('canned.edit.title', { shortcut: reply.shortcut }),
    okLabel: t('action.save'),
    fields: [
      field({ label: t('canned.shortcut'), control: shortcutInput(reply.shortcut) }),
      field({ label: t('canned.body'), control: bodyInput(reply.body) }),
    ],
    onConfirm: async (values) => {
      const failures = validateCanned(values);
      if (failures.length) return failures;
      await ctx.api.patch(`/api/canned-replies/${reply.id}`, { shortcut: normalizeShortcut(values.shortcut), body: values.body.trim() });
      ctx.notify(t('canned.saved'));
      await ctx.console.loadCanned();
      ctx.rerender();
      return [];
    },
  });
}

function remove(ctx, reply) {
  return openDialog({
    title: t('canned.delete.title', { shortcut: reply.shortcut }),
    message: t('canned.delete.message'),
    okLabel: t('canned.delete'),
    danger: true,
    onConfirm: async () => {
      await ctx.api.delete(`/api/canned-replies/${reply.id}`);
      ctx.notify(t('canned.deleted'));
      await ctx.console.loadCanned();
      ctx.rerender();
    },
  });
}

function replyList(ctx, replies, editable) {
  if (!replies.length) return h('p', { class: 'muted' }, t('canned.none'));
  const run = (promise) => promise.catch((error) => ctx.notify(errorMessage(error, t), 'error'));
  return h('ul', { class: 'list canned-rows' }, replies.map((reply) => h('li', {
    class: 'list-row', 'data-test': 'canned-row', 'data-shortcut': reply.shortcut,
  },
  h('div', { class: 'list-main' },
    h('div', { class: 'list-title mono' }, `/${reply.shortcut}`),
    h('div', { class: 'canned-row-body' }, reply.body)),
  editable ? h('div', { class: 'row-actions' },
    button(t('action.edit'), () => run(edit(ctx, reply)), { kind: 'small', test: 'canned-edit' }),
    button(t('canned.delete'), () => run(remove(ctx, reply)), { kind: 'small danger', test: 'canned-delete' })) : null)));
}

export async function cannedView(ctx) {
  const rt = ctx.console;
  const [replies] = await Promise.all([rt.loadCanned(), rt.ready]);
  const sorted = [...replies].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
  const personal = sorted.filter((reply) => reply.site_id == null && reply.company_id == null);
  const lead = seesAllOpen(ctx.me.role);
  const scripts = rt.companies.map((company) => {
    const list = sorted.filter((reply) => reply.company_id === company.id);
    if (!list.length && !lead) return null;
    return section(t('canned.scripts', { company: company.name }), replyList(ctx, list, lead), { test: 'canned-scripts' });
  }).filter(Boolean);
  const sharedSections = rt.sites.map((site) => {
    const list = sorted.filter((reply) => reply.site_id === site.id);
    if (!list.length && !lead) return null;
    return section(t('canned.shared', { site: site.name }), replyList(ctx, list, lead), { test: 'canned-shared' });
  }).filter(Boolean);
  return page(
    pageHeader(t('canned.title'), { lead: t('canned.lead') }),
    section(t('canned.new'), addForm(ctx, rt.sites, rt.companies), { description: t('canned.variables') }),
    section(t('canned.personal'), replyList(ctx, personal, true), { test: 'canned-personal' }),
    scripts,
    sharedSections.length ? sharedSections
      : (personal.length ? null : emptyState(t('canned.emptyTitle'), t('canned.emptyHint'), { icon: 'chat' })));
}
