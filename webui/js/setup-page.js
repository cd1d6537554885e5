// First-run wizard (setup.html): validate, POST /api/setup, then open the new site's embed snippet.
import { api } from './api.js';
import { errorMessage, resolveField } from './errors.js';
import { formValues, reportValidation, setBusy, showFormError } from './forms.js';
import { getLanguage, resolveLanguage, setLanguage, storedLanguage, t } from './i18n.js';
import { bindLanguageSwitch, localize, setTitle } from './localize.js';
import { fragmentParam } from './routes.js';
import { validateSetup } from './validation.js';

const FIELDS = [
  'setup_code', 'company_name', 'login', 'display_name', 'password', 'password2', 'site_name', 'site_url',
];
/** Server field names (nested or flat) → the inputs on this page. */
const FIELD_ALIASES = {
  code: 'setup_code', company: 'company_name', 'company.name': 'company_name',
  'owner.login': 'login', 'owner.display_name': 'display_name', 'owner.password': 'password',
  'site.name': 'site_name', 'site.url': 'site_url', url: 'site_url',
};

const form = document.getElementById('setup-form');
const submit = form.querySelector('[data-test="setup-submit"]');
let redisplayError = null;

function refreshText() {
  localize();
  setTitle('setup.pageTitle');
  if (redisplayError) redisplayError();
}

async function redirectIfDone() {
  try {
    const status = await api.get('/api/setup/status');
    if (status && status.needs_setup === false) {
      location.replace('/login');
      return true;
    }
  } catch {
    // If the status cannot be read, show the form; the server refuses a second setup anyway.
  }
  return false;
}

function prefillCode() {
  const code = fragmentParam(location.hash, 'code');
  if (!code) return false;
  form.elements.setup_code.value = code.trim();
  // Keep the code out of the address bar and history once it is in the form.
  history.replaceState(null, '', location.pathname + location.search);
  return true;
}

function requestBody(values) {
  return {
    setup_code: values.setup_code.trim(),
    company_name: values.company_name.trim(),
    owner: {
      login: values.login.trim(),
      display_name: values.display_name.trim(),
      password: values.password,
    },
    site: { name: values.site_name.trim(), url: values.site_url.trim() },
  };
}

function showError(error) {
  const field = error.code === 'bad_setup_code' ? 'setup_code'
    : resolveField(error.field, FIELDS, FIELD_ALIASES);
  redisplayError = () => showFormError(form, errorMessage(error, t), field);
  redisplayError();
}

async function saveLanguageChoice(user) {
  if (!user || user.language === getLanguage()) return;
  try {
    await api.patch('/api/me', { language: getLanguage() });
  } catch {
    // Only a preference; the device keeps it in localStorage anyway.
  }
}

async function onSubmit(event) {
  event.preventDefault();
  redisplayError = null;
  const values = formValues(form);
  const failures = validateSetup(values);
  if (!reportValidation(form, failures)) {
    redisplayError = () => reportValidation(form, validateSetup(formValues(form)));
    return;
  }
  setBusy(submit, true);
  try {
    const result = await api.post('/api/setup', requestBody(values));
    await saveLanguageChoice(result.user);
    location.assign(`/app/#/sites/${Number(result.site.id)}`);
  } catch (error) {
    setBusy(submit, false);
    if (error.code === 'setup_done') {
      location.replace('/login');
      return;
    }
    showError(error);
  }
}

async function main() {
  setLanguage(resolveLanguage({ stored: storedLanguage() }));
  refreshText();
  bindLanguageSwitch(document.querySelector('[data-test="lang-switch"]'), refreshText);
  form.addEventListener('submit', onSubmit);
  const hadCode = prefillCode();
  if (await redirectIfDone()) return;
  document.body.classList.remove('is-booting');
  (hadCode ? form.elements.company_name : form.elements.setup_code).focus();
}

main();
