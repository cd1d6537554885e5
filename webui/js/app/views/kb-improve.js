// "To improve" (#/kb/improve): questions the bot could not answer or whose answer was voted down, most asked first; one click fixes one.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, input, setBusy, showFormError } from '../../forms.js';
import { t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb, searchEntries, siteName } from './kb-common.js';
import { entryFields, submitEntry } from './kb-entry.js';
import { createAnswerEditor } from './kb-rich.js';

let showResolved = false;

/** The first `max` characters as the server counts them (code points, so no emoji is split). */
function cut(text, max) {
  return [...String(text)].slice(0, max).join('');
}

function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(document.documentElement.lang);
}

/** Whether the question's site gets the entry: enabled, and company-wide or of that site. */
function serves(entry, question) {
  return entry.enabled && (entry.site_id === null || entry.site_id === question.site_id);
}

/** The knowledge base with only the sites a new entry for the question may name. */
function servingKb(kb, question) {
  return { ...kb, sites: kb.sites.filter((site) => site.id === question.site_id) };
}

/** A new entry from the question: its text as the question, an answer to write. */
function entryPanel(ctx, kb, question, done) {
  const editor = createAnswerEditor('');
  const save = button(t('kb.improve.saveEntry'), null, { kind: 'primary', type: 'submit', test: 'kb-improve-save-entry' });
  const form = h('form', { class: 'form kb-improve-panel', novalidate: true, 'data-test': 'kb-improve-entry-form' },
    errorBox(),
    // The new entry must reach the question's site: the whole company or that site only.
    h('div', { class: 'form-grid' }, entryFields(servingKb(kb, question), { question: cut(question.text, 200), phrasings: [], category: '',
      site_id: null, enabled: true }, [], editor, { withEnabled: false })),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(save, true);
    const saved = await submitEntry(ctx, form, editor, ({ question: text, answer, category, site_id: siteId, phrasings }) =>
      ctx.api.post(`/api/kb/improve/${question.id}/entry`, { question: text, answer, category, site_id: siteId })
        .then(async (answered) => (phrasings.length
          ? ctx.api.patch(`/api/kb/entries/${answered.entry.id}`, { phrasings }) : answered)));
    setBusy(save, false);
    if (saved) done(t('kb.improve.entryAdded'));
  });
  setTimeout(() => editor.focus(), 0);
  return form;
}

/** The entry a question's answer came from, or null if it is gone meanwhile (deleted). */
async function votedEntry(ctx, id) {
  try {
    return (await ctx.api.get(`/api/kb/entries/${id}`)).entry;
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** The question as another phrasing of an existing entry: search, pick, done. */
function phrasingPanel(ctx, kb, question, done) {
  const search = input({ type: 'search', name: 'q', 'data-test': 'kb-improve-search', placeholder: t('kb.improve.searchEntries'),
    'aria-label': t('kb.improve.searchEntries'), value: cut(question.text, 100) });
  const results = h('ul', { class: 'list', 'data-test': 'kb-improve-results' });
  const form = h('form', { class: 'form kb-improve-panel', novalidate: true, role: 'search' }, errorBox(), search, results);
  let ticket = 0;
  async function find() {
    const mine = ++ticket;
    let entries;
    try {
      // Only entries the question's visitors get (the server refuses any other).
      entries = (await searchEntries(ctx, kb.company.id, search.value, 8, question.site_id)).filter((e) => e.enabled);
      // The voted-down entry first: the question is most likely another way to ask it.
      if (question.entry_id && !entries.some((e) => e.id === question.entry_id)) {
        const voted = await votedEntry(ctx, question.entry_id);
        if (voted && serves(voted, question)) entries.unshift(voted);
      }
    } catch (error) {
      if (mine === ticket) showFormError(form, errorMessage(error, t));
      return;
    }
    if (mine !== ticket) return;
    results.replaceChildren(...(entries.length ? entries.map((entry) => h('li', { class: 'list-row', 'data-test': 'kb-improve-result', 'data-id': String(entry.id) },
      h('div', { class: 'list-main' }, h('div', { class: 'list-title' }, entry.question),
        h('div', { class: 'kb-row-answer muted' }, entry.answer_text)),
      button(t('kb.improve.addHere'), (event) => pick(entry, event.currentTarget), { kind: 'small primary', test: 'kb-improve-pick' })))
      : [h('li', { class: 'muted' }, t('kb.noMatch'))]));
  }
  async function pick(entry, clicked) {
    setBusy(clicked, true);
    try {
      await ctx.api.post(`/api/kb/improve/${question.id}/phrasing`, { entry_id: entry.id });
      done(t('kb.improve.phrasingAdded', { question: entry.question }));
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, ['q']));
      setBusy(clicked, false);
    }
  }
  let pause = null;
  search.addEventListener('input', () => {
    clearTimeout(pause);
    pause = setTimeout(find, 250);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    find();
  });
  find();
  return form;
}

function questionRow(ctx, kb, question) {
  const panel = h('div', { class: 'kb-improve-slot' });
  const done = (message) => {
    ctx.notify(message);
    ctx.rerender();
  };
  const open = (make) => {
    panel.replaceChildren(make());
  };
  const dismiss = async (event) => {
    setBusy(event.currentTarget, true);
    try {
      await ctx.api.post(`/api/kb/improve/${question.id}/dismiss`, {});
      done(t('kb.improve.dismissed'));
    } catch (error) {
      ctx.notify(errorMessage(error, t), 'error');
      setBusy(event.currentTarget, false);
    }
  };
  const actions = kb.manager && !question.resolved_at ? h('div', { class: 'row-actions' },
    button(t('kb.improve.toEntry'), () => open(() => entryPanel(ctx, kb, question, done)), { kind: 'small primary', test: 'kb-improve-entry' }),
    button(t('kb.improve.toPhrasing'), () => open(() => phrasingPanel(ctx, kb, question, done)), { kind: 'small', test: 'kb-improve-phrasing' }),
    button(t('kb.improve.dismiss'), dismiss, { kind: 'small', test: 'kb-improve-dismiss' })) : null;
  return h('li', { class: 'kb-improve-row', 'data-test': 'kb-improve-row', 'data-id': String(question.id) },
    h('div', { class: 'list-row' },
      h('div', { class: 'list-main' },
        h('div', { class: 'list-title', 'data-test': 'kb-improve-text' }, question.text),
        h('div', { class: 'kb-row-meta muted' },
          h('span', { class: `badge kb-reason-${question.reason}` }, t(`kb.improve.reason.${question.reason}`)),
          h('span', { 'data-test': 'kb-improve-count' }, t('kb.improve.count', { count: question.count })),
          h('span', {}, t('kb.improve.last', { when: when(question.last_at) })),
          h('span', {}, siteName(kb, question.site_id)),
          question.entry_id ? h('a', { href: hrefFor('kb-entry', { id: question.entry_id }) }, t('kb.improve.votedEntry')) : null,
          question.resolved_at ? h('span', {}, t('kb.improve.resolvedAt', { when: when(question.resolved_at) })) : null)),
      actions),
    panel);
}

export async function kbImproveView(ctx) {
  const kb = await loadKb(ctx);
  if (!kb.company) return page(kbHeader(ctx, kb, 'kb-improve'), emptyState(t('kb.noCompany'), null, { icon: 'chat' }));
  const { questions } = await ctx.api.get(`/api/companies/${kb.company.id}/kb/improve?resolved=${showResolved ? 1 : 0}`);
  const toggle = h('div', { class: 'kb-filters', role: 'group', 'aria-label': t('kb.improve.show') },
    [false, true].map((resolved) => button(t(resolved ? 'kb.improve.resolved' : 'kb.improve.open'), () => {
      showResolved = resolved;
      ctx.rerender();
    }, { kind: `small${resolved === showResolved ? ' primary' : ''}`, test: `kb-improve-${resolved ? 'resolved' : 'open'}`,
      props: { 'aria-pressed': resolved === showResolved ? 'true' : 'false' } })));
  const list = questions.length
    ? h('ul', { class: 'list', 'data-test': 'kb-improve-list' }, questions.map((q) => questionRow(ctx, kb, q)))
    : emptyState(t(showResolved ? 'kb.improve.noneResolved' : 'kb.improve.none'), showResolved ? null : t('kb.improve.noneHint'),
      { test: 'kb-improve-empty', icon: 'chat' });
  return page(kbHeader(ctx, kb, 'kb-improve', { lead: t('kb.improve.lead') }), section(null, [toggle, list], { test: 'kb-improve' }));
}
