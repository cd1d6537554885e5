// Mail page (owner/admin): the SMTP server Kefu sends from, and a test mail to check it.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, reportValidation, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { mailTestText } from '../../mail-test.js';
import { SMTP_PORTS, smtpBody } from '../../payloads.js';
import { checkEmail, SMTP_SECURITY, validateSmtp } from '../../validation.js';
import { page, pageHeader, section } from './common.js';
import { outboxSection } from './mail-outbox.js';

const FIELDS = ['host', 'port', 'security', 'username', 'password', 'from_address'];

function passwordField(smtp) {
  const control = input({ name: 'password', type: 'password', maxlength: '500', autocomplete: 'new-password',
    placeholder: smtp?.has_password ? t('smtp.password.set') : '', 'data-test': 'smtp-password' });
  return field({ label: t('smtp.password'),
    hint: t(smtp?.has_password ? 'smtp.password.keep' : 'smtp.password.hint'), control });
}

function smtpForm(ctx, smtp) {
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'smtp-save' },
    t('action.save'));
  const security = select({ name: 'security', 'data-test': 'smtp-security' },
    SMTP_SECURITY.map((mode) => [mode, t(`smtp.security.${mode}`)]), smtp?.security ?? 'starttls');
  const port = input({ name: 'port', type: 'number', inputmode: 'numeric', min: '1', max: '65535',
    value: String(smtp?.port ?? SMTP_PORTS.starttls), 'data-test': 'smtp-port' });
  const state = h('span', { class: 'badge', 'data-test': 'smtp-password-state' });
  const showState = (has) => {
    state.textContent = t(has ? 'smtp.password.set' : 'smtp.password.unset');
    state.className = `badge ${has ? 'badge-active' : 'badge-inactive'}`;
  };
  showState(smtp?.has_password === true);
  // The usual port follows the security mode, unless someone typed a port of their own.
  security.addEventListener('change', () => {
    if (Object.values(SMTP_PORTS).includes(Number(port.value)) || !port.value) port.value = SMTP_PORTS[security.value];
  });
  const form = h('form', { class: 'form', novalidate: true, autocomplete: 'off' },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('smtp.host'), hint: t('smtp.host.hint'), control: input({ name: 'host', value: smtp?.host ?? '',
        maxlength: '253', autocapitalize: 'none', spellcheck: 'false', placeholder: t('smtp.host.placeholder'),
        'data-test': 'smtp-host' }) }),
      field({ label: t('smtp.security'), control: security }),
      field({ label: t('smtp.port'), control: port }),
      field({ label: t('smtp.from'), hint: t('smtp.from.hint'), control: input({ name: 'from_address', type: 'email',
        value: smtp?.from_address ?? '', maxlength: '254', autocapitalize: 'none', spellcheck: 'false',
        placeholder: 'service@example.com', 'data-test': 'smtp-from' }) }),
      field({ label: t('smtp.user'), hint: t('smtp.user.hint'), control: input({ name: 'username',
        value: smtp?.username ?? '', maxlength: '200', autocomplete: 'off', autocapitalize: 'none',
        spellcheck: 'false', 'data-test': 'smtp-user' }) }),
      passwordField(smtp)),
    h('div', { class: 'form-actions' }, state, h('span', { class: 'spacer' }), save));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!reportValidation(form, validateSmtp(values))) return;
    setBusy(save, true);
    try {
      const result = await ctx.api.put('/api/settings/smtp', smtpBody(values));
      form.elements.password.value = '';
      form.elements.password.placeholder = result.smtp.has_password ? t('smtp.password.set') : '';
      showState(result.smtp.has_password);
      ctx.notify(t('smtp.saved'));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, FIELDS));
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function testForm(ctx) {
  const send = h('button', { type: 'submit', class: 'button', 'data-test': 'smtp-test-send' }, t('smtp.test.send'));
  const outcome = h('div', { class: 'test-result', role: 'status', 'data-test': 'smtp-test-result', hidden: true });
  const form = h('form', { class: 'form form-inline', novalidate: true },
    errorBox(),
    h('div', { class: 'inline-row' },
      field({ label: t('smtp.test.to'), control: input({ name: 'to', type: 'email', maxlength: '254',
        autocapitalize: 'none', spellcheck: 'false', value: ctx.me.login.includes('@') ? ctx.me.login : '',
        'data-test': 'smtp-test-to' }) }),
      send),
    outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const failure = checkEmail(values.to);
    if (!reportValidation(form, failure ? [{ field: 'to', ...failure }] : [])) return;
    setBusy(send, true);
    outcome.hidden = true;
    try {
      const result = await ctx.api.post('/api/settings/smtp/test', { to: values.to.trim() });
      const { lead, detail } = mailTestText(result, t);
      outcome.replaceChildren(...[h('p', {}, lead),
        detail && h('p', {}, h('small', { class: 'test-detail', 'data-test': 'smtp-test-detail' }, detail))].filter(Boolean));
      outcome.dataset.sent = String(result.sent === true);
      outcome.className = `test-result ${result.sent ? 'is-ok' : 'is-failed'}`;
      outcome.hidden = false;
    } catch (error) {
      showFormError(form, errorMessage(error, t), error.field === 'to' ? 'to' : null);
    } finally {
      setBusy(send, false);
    }
  });
  return form;
}

export async function mailView(ctx) {
  const [{ smtp }, outbox] = await Promise.all([ctx.api.get('/api/settings/smtp'), outboxSection(ctx)]);
  const test = section(t('smtp.test'), testForm(ctx), { description: t('smtp.test.description'), test: 'smtp-test' });
  return page(
    pageHeader(t('mail.title'), { lead: t('mail.lead') }),
    section(t('smtp.title'), smtpForm(ctx, smtp), { description: t('smtp.description') }),
    test,
    outbox);
}
