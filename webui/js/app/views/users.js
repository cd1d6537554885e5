// Users list (owner/admin): roles, sites and state, with edit, password reset and (de)activation.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { field, input, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { canActivate, canDeactivate, canManageUser, canResetPassword, isManager } from '../../roles.js';
import { hrefFor } from '../../routes.js';
import { checkPassword } from '../../validation.js';
import { openDialog } from '../dialog.js';
import { button, page, pageHeader, roleBadge, statusBadge } from './common.js';

function siteNames(user, sitesById) {
  if (isManager(user.role)) return h('span', { class: 'muted' }, t('user.allSites'));
  const names = user.site_ids.map((id) => sitesById.get(id)).filter(Boolean);
  if (!names.length) return h('span', { class: 'muted' }, t('user.noSites'));
  return h('ul', { class: 'chips' }, names.map((name) => h('li', { class: 'chip' }, name)));
}

function resetPassword(ctx, user) {
  const password = input({ name: 'password', type: 'password', autocomplete: 'new-password',
    maxlength: '256', 'data-test': 'user-password' });
  return openDialog({
    title: t('user.reset.title', { name: user.display_name }),
    message: t('user.reset.message'),
    okLabel: t('user.reset.ok'),
    fields: [field({ label: t('field.newPassword'), hint: t('field.password.hint'), control: password })],
    onConfirm: async (values) => {
      const failure = checkPassword(values.password);
      if (failure) return [{ field: 'password', ...failure }];
      await ctx.api.post(`/api/users/${user.id}/password`, { new_password: values.password });
      ctx.notify(t('user.reset.done', { name: user.display_name }));
      return [];
    },
  });
}

/** Who takes over a leaving colleague's customers and follow-ups (nothing is lost): only
 *  colleagues serving every company those belong to, as the server asks (`…/successors`). */
function successorField(ctx, plan, users) {
  const fitting = new Set(plan.successor_ids);
  const choices = users.filter((other) => fitting.has(other.id));
  const owns = plan.customers + plan.follow_ups > 0;
  const preferred = fitting.has(ctx.me.id) ? ctx.me.id : choices[0]?.id;
  return field({
    label: t('user.successor'), hint: t('user.successor.hint'),
    control: select({ name: 'successor_id', 'data-test': 'user-successor' },
      [...(owns ? [] : [['', t('user.successor.none')]]),
        ...choices.map((other) => [String(other.id), other.display_name])],
      owns && preferred !== undefined ? String(preferred) : ''),
  });
}

async function setActive(ctx, user, active, users = []) {
  const action = active ? 'activate' : 'deactivate';
  const asks = !active && user.role !== 'client';
  const plan = asks ? await ctx.api.get(`/api/users/${user.id}/successors`) : null;
  return openDialog({
    title: t(`user.${action}.title`, { name: user.display_name }),
    message: t(`user.${action}.message`),
    okLabel: t(`user.${action}.ok`),
    danger: !active,
    fields: asks ? [successorField(ctx, plan, users)] : [],
    onConfirm: async (values) => {
      const body = values.successor_id ? { successor_id: Number(values.successor_id) } : {};
      await ctx.api.post(`/api/users/${user.id}/${action}`, body);
      ctx.notify(t(`user.${action}.done`, { name: user.display_name }));
      ctx.rerender();
    },
  });
}

function actions(ctx, user, users) {
  const me = ctx.me;
  const run = (promise) => promise.catch((error) => ctx.notify(errorMessage(error, t), 'error'));
  return h('div', { class: 'row-actions' },
    canManageUser(me, user) ? button(t('action.edit'), () => ctx.navigate(hrefFor('user', { id: user.id })),
      { kind: 'small', test: 'user-edit' }) : null,
    canResetPassword(me, user) ? button(t('user.reset'), () => run(resetPassword(ctx, user)),
      { kind: 'small', test: 'user-reset-password' }) : null,
    canDeactivate(me, user) ? button(t('user.deactivate'), () => run(setActive(ctx, user, false, users)),
      { kind: 'small danger', test: 'user-deactivate' }) : null,
    canActivate(me, user) ? button(t('user.activate'), () => run(setActive(ctx, user, true)),
      { kind: 'small', test: 'user-activate' }) : null);
}

function userRow(ctx, user, sitesById, users) {
  const cell = (label, ...content) => h('td', { 'data-label': label }, content);
  return h('tr', { 'data-test': 'user-row', 'data-login': user.login, class: user.active ? '' : 'is-inactive' },
    cell(t('user.name'),
      h('div', { class: 'user-cell' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, [...(user.display_name || '?')][0]),
        h('div', {},
          h('div', { class: 'user-display-name' }, user.display_name,
            user.id === ctx.me.id ? h('span', { class: 'muted' }, ` (${t('user.you')})`) : null),
          h('div', { class: 'muted user-login' }, user.login)))),
    cell(t('field.role'), roleBadge(user.role)),
    cell(t('user.sites'), siteNames(user, sitesById)),
    cell(t('user.state'), statusBadge(user.active)),
    cell(t('user.actions'), actions(ctx, user, users)));
}

export async function usersView(ctx) {
  const [{ users }, { sites }] = await Promise.all([ctx.api.get('/api/users'), ctx.api.get('/api/sites')]);
  const sitesById = new Map(sites.map((site) => [site.id, site.name]));
  const head = [t('user.name'), t('field.role'), t('user.sites'), t('user.state'), t('user.actions')];
  const table = h('table', { class: 'table', 'data-test': 'user-table' },
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, users.map((user) => userRow(ctx, user, sitesById, users))));
  return page(
    pageHeader(t('users.title'), {
      lead: t('users.lead'),
      actions: [button(t('users.new'), () => ctx.navigate(hrefFor('user-new')), { kind: 'primary', test: 'new-user' })],
    }),
    h('div', { class: 'card card-flush table-wrap' }, table));
}
