// Sign-in page (login.html): posts /api/auth/login and explains why a previous session ended.
import { api } from './api.js';
import { errorMessage } from './errors.js';
import { formValues, reportValidation, setBusy, showFormError } from './forms.js';
import { hasMessage, resolveLanguage, setLanguage, storedLanguage, t } from './i18n.js';
import { bindLanguageSwitch, localize, setTitle } from './localize.js';
import { validateLogin } from './validation.js';

const form = document.getElementById('login-form');
const submit = form.querySelector('[data-test="login-submit"]');
const endedReason = new URLSearchParams(location.search).get('ended');
let redisplayError = null;

function showEndedNotice() {
  const notice = document.querySelector('[data-test="session-ended"]');
  if (!endedReason) return;
  const key = `login.ended.${endedReason}`;
  document.getElementById('ended-detail').textContent = t(hasMessage(key) ? key : 'login.ended.other');
  notice.hidden = false;
}

function refreshText() {
  localize();
  setTitle('login.pageTitle');
  showEndedNotice();
  if (redisplayError) redisplayError();
}

async function redirectIfSignedIn() {
  try {
    await api.get('/api/me');
    location.replace('/app/');
    return true;
  } catch {
    return false;
  }
}

async function onSubmit(event) {
  event.preventDefault();
  redisplayError = null;
  const values = formValues(form);
  if (!reportValidation(form, validateLogin(values))) {
    redisplayError = () => reportValidation(form, validateLogin(formValues(form)));
    return;
  }
  setBusy(submit, true);
  try {
    const result = await api.post('/api/auth/login', { login: values.login.trim(), password: values.password });
    if (!storedLanguage() && result?.user?.language) setLanguage(result.user.language, { persist: true });
    location.assign('/app/');
  } catch (error) {
    setBusy(submit, false);
    // One message for every failed sign-in; never say which part was wrong.
    redisplayError = () => showFormError(form, errorMessage(error, t), error.code === 'invalid' ? error.field : null);
    redisplayError();
    form.elements.password.value = '';
  }
}

async function main() {
  setLanguage(resolveLanguage({ stored: storedLanguage() }));
  refreshText();
  bindLanguageSwitch(document.querySelector('[data-test="lang-switch"]'), refreshText);
  form.addEventListener('submit', onSubmit);
  if (await redirectIfSignedIn()) return;
  document.body.classList.remove('is-booting');
  form.elements.login.focus();
}

main();
