// "Test the bot" (#/kb/test): what a site's bot would do with a message — its decision, confidence and candidates; nothing is recorded.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { errorBox, field, select, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { KB_LIMITS, percent } from '../../kb/entries.js';
import { length } from '../../validation.js';
import { hrefFor } from '../../routes.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb, siteName } from './kb-common.js';
import { renderAnswer } from './kb-rich.js';

function candidateRow(kb, candidate, index, decision) {
  const { entry } = candidate;
  const chosen = decision.entry_id === entry.id;
  return h('li', { class: `list-row kb-candidate${chosen ? ' is-chosen' : ''}`, 'data-test': 'kb-test-candidate', 'data-id': String(entry.id) },
    h('div', { class: 'list-main' },
      h('div', { class: 'list-title' }, `${index + 1}. `, h('a', { href: hrefFor('kb-entry', { id: entry.id }) }, entry.question),
        chosen ? h('span', { class: 'badge badge-active' }, t('kb.test.answeredWith')) : null),
      h('div', { class: 'kb-row-meta muted' },
        t('kb.test.coverage', { value: percent(candidate.coverage) }), ' · ',
        t('kb.test.score', { value: Number(candidate.score).toFixed(2) }), ' · ', siteName(kb, entry.site_id)),
      chosen ? renderAnswer(entry.answer, { test: 'kb-test-answer' }) : null));
}

/** The decision in words: what the bot does, why (the message's intent), how sure, and what it considered. */
export function decisionView(kb, decision) {
  return h('div', { class: 'kb-decision', 'data-test': 'kb-test-result', 'data-action': decision.action },
    h('p', { class: 'kb-decision-head' },
      h('strong', { 'data-test': 'kb-test-action' }, t(`kb.test.action.${decision.action}`)), ' ',
      h('span', { class: 'muted' }, t(`kb.test.intent.${decision.intent}`))),
    h('p', { 'data-test': 'kb-test-confidence' }, t('kb.test.confidence', { value: Number(decision.confidence).toFixed(2) })),
    decision.candidates.length
      ? h('ol', { class: 'list' }, decision.candidates.map((c, i) => candidateRow(kb, c, i, decision)))
      : h('p', { class: 'muted' }, t('kb.test.noCandidates')));
}

function testForm(ctx, kb) {
  const site = select({ name: 'site', 'data-test': 'kb-test-site' }, kb.sites.map((s) => [String(s.id), s.name]), String(kb.sites[0].id));
  const text = h('textarea', { name: 'text', rows: '2', 'data-test': 'kb-test-text', placeholder: t('kb.test.placeholder') });
  const ask = button(t('kb.test.ask'), null, { kind: 'primary', type: 'submit', test: 'kb-test-ask' });
  const result = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'kb-test-form' },
    errorBox(),
    h('div', { class: 'form-grid' },
      kb.sites.length > 1 ? field({ label: t('kb.test.site'), control: site }) : null,
      field({ label: t('kb.test.text'), hint: t('kb.test.hint'), control: text, wide: true })),
    h('div', { class: 'form-actions' }, ask), result);
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = text.value.trim();
    if (!message) return showFormError(form, t('validation.required'), 'text');
    if (length(message) > KB_LIMITS.textMax) return showFormError(form, t('validation.tooLong', { max: KB_LIMITS.textMax }), 'text');
    setBusy(ask, true);
    try {
      const { decision } = await ctx.api.post(`/api/sites/${Number(site.value)}/bot/preview`, { text: message });
      form.querySelector('[data-test="error"]').hidden = true;
      result.replaceChildren(decisionView(kb, decision));
    } catch (error) {
      showFormError(form, errorMessage(error, t), error.field === 'text' ? 'text' : null);
    } finally {
      setBusy(ask, false);
    }
    return undefined;
  });
  return form;
}

export async function kbTestView(ctx) {
  const kb = await loadKb(ctx);
  if (!kb.company || !kb.sites.length) return page(kbHeader(ctx, kb, 'kb-test'), emptyState(t('kb.test.noSites'), null, { icon: 'chat' }));
  return page(kbHeader(ctx, kb, 'kb-test', { lead: t('kb.test.lead') }), section(null, testForm(ctx, kb), { test: 'kb-test' }));
}
