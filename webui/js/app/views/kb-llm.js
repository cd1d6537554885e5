// AI answers (#/kb/llm, owners and admins): the company's optional OpenAI-compatible endpoint that words the bot's answers from the entries it found; its key is write-only, and "test connection" makes one small call.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, input, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { keyDropped, llmPayload, llmTestText } from '../../kb/llm.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb } from './kb-common.js';

const FIELDS = ['enabled', 'base_url', 'model', 'api_key', 'timeout_seconds', 'max_entries'];

function keyState(llm) {
  if (!llm.api_key_set) return t('kb.llm.key.none');
  return llm.api_key_hint ? t('kb.llm.key.setHint', { hint: llm.api_key_hint }) : t('kb.llm.key.set');
}

function testResult(test) {
  const { ok, lead, detail } = llmTestText(test, t);
  return h('div', { class: ok ? 'alert alert-info' : 'alert alert-error', role: 'status', 'data-test': 'kb-llm-test-result', 'data-ok': String(ok) },
    h('p', {}, lead), detail ? h('p', { class: 'hint' }, h('small', { 'data-test': 'kb-llm-test-detail' }, detail)) : null);
}

function llmForm(ctx, company, llm) {
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: llm.enabled, 'data-test': 'kb-llm-enabled' });
  const baseUrl = input({ name: 'base_url', value: llm.base_url, maxlength: '520', placeholder: 'http://192.168.1.20:11434/v1',
    autocomplete: 'off', spellcheck: 'false', 'data-test': 'kb-llm-base-url' });
  const model = input({ name: 'model', value: llm.model, maxlength: '110', placeholder: 'qwen2.5:7b', autocomplete: 'off', 'data-test': 'kb-llm-model' });
  const apiKey = input({ type: 'password', name: 'api_key', value: '', maxlength: '520', autocomplete: 'new-password',
    placeholder: keyState(llm), 'data-test': 'kb-llm-api-key' });
  const removeKey = h('input', { type: 'checkbox', name: 'remove_key', disabled: !llm.api_key_set, 'data-test': 'kb-llm-remove-key' });
  const timeout = input({ type: 'number', name: 'timeout_seconds', value: String(llm.timeout_seconds), min: '1', max: '30', step: '1', 'data-test': 'kb-llm-timeout' });
  const entries = input({ type: 'number', name: 'max_entries', value: String(llm.max_entries), min: '1', max: '8', step: '1', 'data-test': 'kb-llm-max-entries' });
  const dropped = h('p', { class: 'alert alert-warning', role: 'status', hidden: true, 'data-test': 'kb-llm-key-dropped' },
    t('kb.llm.key.dropped'));
  const result = h('div', { 'data-test': 'kb-llm-test-area', 'aria-live': 'polite' });
  const save = button(t('action.save'), null, { kind: 'primary', type: 'submit', test: 'kb-llm-save' });
  const values = () => ({ enabled: enabled.checked, base_url: baseUrl.value, model: model.value, api_key: apiKey.value,
    timeout_seconds: timeout.value, max_entries: entries.value });
  // Another address with the key field empty: the stored key is not sent there and saving removes it.
  const showKeyState = () => {
    const gone = keyDropped(llm, values()) && !removeKey.checked;
    dropped.hidden = !gone;
    apiKey.placeholder = gone ? t('kb.llm.key.enterAgain') : keyState(llm);
    if (gone) apiKey.setAttribute('aria-describedby', 'kb-llm-key-dropped');
    else apiKey.removeAttribute('aria-describedby');
  };
  dropped.id = 'kb-llm-key-dropped';
  for (const control of [baseUrl, apiKey, removeKey]) control.addEventListener('input', showKeyState);
  const test = button(t('kb.llm.test'), async () => {
    setBusy(test, true);
    result.replaceChildren(h('p', { class: 'hint' }, t('kb.llm.test.running')));
    try {
      const body = llmPayload(values());
      delete body.enabled;
      const answer = await ctx.api.post(`/api/companies/${company.id}/bot/llm/test`, body);
      result.replaceChildren(testResult(answer.test));
    } catch (error) {
      result.replaceChildren();
      showFormError(form, errorMessage(error, t), FIELDS.includes(error.field) ? error.field : null);
    } finally {
      setBusy(test, false);
    }
  }, { test: 'kb-llm-test' });
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'kb-llm' },
    errorBox(),
    h('label', { class: 'check-field' }, enabled, ` ${t('kb.llm.enabled')}`),
    h('p', { class: 'hint' }, t('kb.llm.enabled.hint')),
    h('div', { class: 'form-grid' },
      field({ label: t('kb.llm.baseUrl'), hint: t('kb.llm.baseUrl.hint'), control: baseUrl, wide: true }),
      field({ label: t('kb.llm.model'), hint: t('kb.llm.model.hint'), control: model }),
      field({ label: t('kb.llm.key'), hint: t('kb.llm.key.hint'), control: apiKey }),
      field({ label: t('kb.llm.timeout'), hint: t('kb.llm.timeout.hint'), control: timeout }),
      field({ label: t('kb.llm.entries'), hint: t('kb.llm.entries.hint'), control: entries })),
    dropped,
    h('label', { class: 'check-field' }, removeKey, ` ${t('kb.llm.key.remove')}`),
    h('div', { class: 'form-actions' }, save, test),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(save, true);
    try {
      await ctx.api.patch(`/api/companies/${company.id}/bot/llm`, llmPayload(values(), { removeKey: removeKey.checked }));
      ctx.notify(t('kb.llm.saved'));
      ctx.rerender();
    } catch (error) {
      showFormError(form, errorMessage(error, t), FIELDS.includes(error.field) ? error.field : null);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

export async function kbLlmView(ctx) {
  const kb = await loadKb(ctx);
  const header = kbHeader(ctx, kb, 'kb-llm', { lead: t('kb.llm.lead') });
  if (!kb.company) return page(header, emptyState(t('kb.noCompany'), null, { icon: 'chat' }));
  if (!kb.manager) return page(header, emptyState(t('kb.llm.managersOnly'), null, { icon: 'chat' }));
  const { llm } = await ctx.api.get(`/api/companies/${kb.company.id}/bot/llm`);
  return page(header, section(t('kb.llm.title'), llmForm(ctx, kb.company, llm), {
    description: t('kb.llm.description'), test: 'kb-llm-panel' }));
}
