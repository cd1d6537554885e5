// Create a user or edit one (owner/admin): login, display name, role, sites, chat limit, initial password.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { numberOrNull, userBody } from '../../payloads.js';
import { assignableRoles, canManageUser, roleUsesCompany, roleUsesSites } from '../../roles.js';
import { hrefFor } from '../../routes.js';
import { LIMITS, validateUser } from '../../validation.js';
import { emptyState, page, pageHeader, section } from './common.js';

const FIELDS = ['login', 'display_name', 'role', 'password', 'site_ids', 'max_chats', 'company_id'];

/** A client account's company: the one company its portal shows. */
function companyField(companies, user) {
  return field({
    label: t('user.company'), hint: t('user.company.hint'),
    control: select({ name: 'company_id', 'data-test': 'user-company' },
      companies.map((company) => [String(company.id), company.name]), String(user?.company_id ?? companies[0]?.id ?? '')),
  });
}

function siteChoices(sites, chosen) {
  if (!sites.length) return h('p', { class: 'hint' }, t('user.sites.none'));
  return h('ul', { class: 'checklist' }, sites.map((site) => {
    const id = `user-site-${site.id}`;
    return h('li', {},
      h('input', { type: 'checkbox', id, name: 'site_ids', value: String(site.id),
        checked: chosen.includes(site.id), 'data-test': 'user-site', 'data-site-id': site.id }),
      h('label', { for: id }, site.name));
  }));
}

function sitesFieldset(sites, user) {
  return h('fieldset', { class: 'form-section', 'data-test': 'user-sites' },
    h('legend', {}, t('user.sites')),
    h('p', { class: 'hint' }, t('user.sites.hint')),
    siteChoices(sites, user?.site_ids ?? []));
}

function roleSelect(roles, current) {
  return field({
    label: t('field.role'),
    hint: t('user.role.hint'),
    control: select({ name: 'role', 'data-test': 'user-role' },
      roles.map((role) => [role, t(`role.${role}`)]), current),
  });
}

/** The user's own limit of concurrent chats; empty means the company's default (`defaults`, one per company). */
function maxChatsField(user, defaults) {
  const hint = defaults.length === 1 ? t('user.maxChats.hint', { count: defaults[0] }) : t('user.maxChats.hintMulti');
  return field({
    label: t('user.maxChats'), hint,
    control: input({ name: 'max_chats', type: 'number', inputmode: 'numeric', min: String(LIMITS.maxChatsMin),
      max: String(LIMITS.maxChatsMax), step: '1', value: user?.max_chats ? String(user.max_chats) : '',
      placeholder: defaults.length === 1 ? String(defaults[0]) : '', 'data-test': 'user-max-chats' }),
  });
}

function buildForm(ctx, { user, sites, roles, defaults, companies }) {
  const isNew = !user;
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'user-save' },
    t(isNew ? 'user.create' : 'action.save'));
  const sitesBox = sitesFieldset(sites, user);
  const companyBox = companyField(companies, user);
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({
        label: t('field.login'), hint: isNew ? t('field.login.hint') : t('user.login.fixed'),
        control: input({ name: 'login', value: user?.login ?? '', maxlength: '100', autocomplete: 'off',
          autocapitalize: 'none', spellcheck: 'false', disabled: !isNew, 'data-test': 'user-login' }),
      }),
      field({
        label: t('field.displayName'), hint: t('field.displayName.hint'),
        control: input({ name: 'display_name', value: user?.display_name ?? '', maxlength: '80',
          autocomplete: 'off', 'data-test': 'user-display-name' }),
      }),
      roleSelect(roles, user?.role ?? 'agent'),
      companyBox,
      maxChatsField(user, defaults),
      isNew ? field({
        label: t('user.initialPassword'), hint: t('user.initialPassword.hint'),
        control: input({ name: 'password', type: 'password', maxlength: '256', autocomplete: 'new-password',
          'data-test': 'user-password' }),
      }) : null),
    sitesBox,
    h('div', { class: 'form-actions' }, save));

  const limitBox = form.elements.max_chats.closest('.field');
  const showSites = () => {
    const role = form.elements.role.value;
    sitesBox.hidden = !roleUsesSites(role);
    companyBox.hidden = !roleUsesCompany(role);
    limitBox.hidden = roleUsesCompany(role);
  };
  form.elements.role.addEventListener('change', showSites);
  showSites();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateUser(values, { isNew }))) return;
    setBusy(save, true);
    try {
      const body = userBody(values, { isNew });
      if (isNew) {
        // A new account takes no chat limit; it is set right after, like any edit.
        const created = await ctx.api.post('/api/users', body);
        const limit = roleUsesCompany(values.role) ? null : numberOrNull(values.max_chats);
        if (limit !== null) await ctx.api.patch(`/api/users/${created.user.id}`, { max_chats: limit });
      } else {
        await ctx.api.patch(`/api/users/${user.id}`, body);
      }
      ctx.notify(t(isNew ? 'user.created' : 'user.saved', { name: body.display_name }));
      ctx.navigate(hrefFor('users'));
    } catch (error) {
      setBusy(save, false);
      showFormError(form, errorMessage(error, t), resolveField(error.field, FIELDS));
    }
  });
  return form;
}

export async function userFormView(ctx, { id }) {
  const isNew = !id;
  const [{ users }, { sites }, { companies }] = await Promise.all([
    isNew ? { users: [] } : ctx.api.get('/api/users'),
    ctx.api.get('/api/sites'),
    ctx.api.get('/api/companies'),
  ]);
  const defaults = [...new Set(companies.map((company) => company.max_chats))];
  const back = { href: hrefFor('users'), label: t('users.title') };
  const user = isNew ? null : users.find((candidate) => candidate.id === id);
  if (!isNew && (!user || !canManageUser(ctx.me, user))) {
    return page(pageHeader(t('user.editTitle'), { back }), emptyState(t('user.notFound'), null, { icon: 'user' }));
  }
  const roles = assignableRoles(ctx.me.role);
  const title = isNew ? t('user.newTitle') : t('user.editTitle');
  return page(
    pageHeader(title, { back, lead: isNew ? t('user.newLead') : user.login }),
    section(null, buildForm(ctx, { user, sites, roles, defaults, companies })));
}
