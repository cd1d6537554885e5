// My account (everyone): display name, language, and changing one's own password.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, LANGUAGES, setLanguage, t } from '../../i18n.js';
import { validatePasswordChange, validateProfile } from '../../validation.js';
import { page, pageHeader, roleBadge, section } from './common.js';

/** Wire a form: validate, send, then `done(result)`; errors go to the form's error box. */
function handle(form, save, { validate, send, done, fields }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validate(values))) return;
    setBusy(save, true);
    try {
      await done(await send(values));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, fields));
    } finally {
      setBusy(save, false);
    }
  });
}

function profileForm(ctx) {
  const me = ctx.me;
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'account-save' },
    t('action.save'));
  const form = h('form', { class: 'form', novalidate: true },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({
        label: t('field.login'),
        control: input({ name: 'login', value: me.login, disabled: true, 'data-test': 'account-login' }),
      }),
      field({
        label: t('field.displayName'), hint: t('account.displayName.hint'),
        control: input({ name: 'display_name', value: me.display_name, maxlength: '80',
          autocomplete: 'name', 'data-test': 'account-display-name' }),
      }),
      field({
        label: t('account.language'),
        control: select({ name: 'language', 'data-test': 'account-language' },
          LANGUAGES.map((lang) => [lang, t(`lang.${lang}`)]), getLanguage()),
      })),
    h('div', { class: 'form-actions' }, save));
  handle(form, save, {
    fields: ['display_name', 'language'],
    validate: validateProfile,
    send: (values) => ctx.api.patch('/api/me', { display_name: values.display_name.trim(), language: values.language }),
    done: (result) => {
      ctx.setMe(result.user);
      ctx.notify(t('account.saved'));
      // Re-renders the whole app in the new language when it changed.
      setLanguage(result.user.language || form.elements.language.value, { persist: true });
    },
  });
  return form;
}

function passwordForm(ctx) {
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'password-save' },
    t('account.changePassword'));
  const passwordInput = (name, autocomplete, test) => input({ name, type: 'password', maxlength: '256',
    autocomplete, 'data-test': test });
  const form = h('form', { class: 'form', novalidate: true },
    h('input', { type: 'text', name: 'username', value: ctx.me.login, autocomplete: 'username', hidden: true,
      readOnly: true, tabindex: '-1', 'aria-hidden': 'true' }),
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('field.currentPassword'),
        control: passwordInput('current_password', 'current-password', 'current-password') }),
      h('div', { class: 'field-break' }),
      field({ label: t('field.newPassword'), hint: t('field.password.hint'),
        control: passwordInput('new_password', 'new-password', 'new-password') }),
      field({ label: t('field.password2'),
        control: passwordInput('new_password2', 'new-password', 'new-password2') })),
    h('div', { class: 'form-actions' }, save));
  handle(form, save, {
    fields: ['current_password', 'new_password', 'new_password2'],
    validate: validatePasswordChange,
    send: (values) => ctx.api.post('/api/me/password', {
      current_password: values.current_password, new_password: values.new_password,
    }),
    done: () => {
      form.reset();
      ctx.notify(t('account.passwordChanged'));
    },
  });
  return form;
}

export async function accountView(ctx) {
  const me = ctx.me;
  return page(
    pageHeader(t('account.title'), { lead: t('account.lead') }),
    section(t('account.profile'), [
      h('p', { class: 'account-role' }, t('account.roleIs'), ' ', roleBadge(me.role)),
      profileForm(ctx),
    ], { test: 'account-profile' }),
    section(t('account.password'), passwordForm(ctx), {
      description: t('account.password.description'), test: 'account-password',
    }),
  );
}
