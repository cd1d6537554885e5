// One customer (#/customers/<id>): profile, notes, follow-ups, conversations, visits, leads, ratings, merge, privacy.
import { externalLink, h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { isManager } from '../../roles.js';
import { hrefFor } from '../../routes.js';
import { formatDateTime, previewText, ratingStars, sitePageLink } from '../../console/present.js';
import { customerBody, ownerChoices, phoneText } from '../../customers/model.js';
import { sourceLabel } from '../../reports/model.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, pageHeader, section } from './common.js';

const PROFILE = ['name', 'phone', 'email', 'wechat', 'qq', 'company', 'address', 'tags', 'owner_id', 'custom'];
const when = (iso) => formatDateTime(iso, getLanguage());

function customControl(spec, value) {
  const name = `custom.${spec.key}`;
  if (spec.type === 'choice') {
    return select({ name, 'data-test': `custom-${spec.key}` }, [['', '—'], ...spec.choices.map((c) => [c, c])], value ?? '');
  }
  const type = spec.type === 'number' ? 'number' : spec.type === 'date' ? 'date' : 'text';
  return input({ name, type, value: value == null ? '' : String(value), 'data-test': `custom-${spec.key}` });
}

function profileForm(ctx, customer, company, owners) {
  const text = (name, props = {}) => input({ name, value: name === 'phone' ? phoneText(customer.phone) : customer[name] ?? '', autocomplete: 'off',
    'data-test': `customer-${name}`, ...props });
  const fields = company?.settings?.customer_fields || [];
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'customer-save' }, t('action.save'));
  const form = h('form', { class: 'form', novalidate: true }, errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('customer.name'), control: text('name', { maxlength: '80' }) }),
      field({ label: t('customer.phone'), hint: t('customer.phone.hint'), control: text('phone', { inputmode: 'tel' }) }),
      field({ label: t('customer.email'), control: text('email', { type: 'email' }) }),
      field({ label: t('customer.wechat'), control: text('wechat') }),
      field({ label: t('customer.qq'), control: text('qq', { inputmode: 'numeric' }) }),
      field({ label: t('customer.company'), control: text('company') }),
      field({ label: t('customer.address'), control: text('address'), wide: true }),
      field({ label: t('customer.tags'), hint: t('customer.tags.hint'),
        control: input({ name: 'tags', value: customer.tags.join(', '), 'data-test': 'customer-tags' }) }),
      field({ label: t('customer.owner'), control: select({ name: 'owner_id', 'data-test': 'customer-owner' },
        owners, String(customer.owner_id ?? '')) }),
      fields.map((spec) => field({ label: spec.label, control: customControl(spec, customer.custom[spec.key]) }))),
    h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(save, true);
    try {
      await ctx.api.patch(`/api/customers/${customer.id}`, customerBody(formValues(form), fields));
      ctx.notify(t('customer.saved'));
      ctx.rerender();
    } catch (error) {
      showFormError(form, errorMessage(error, t), resolveField(error.field, PROFILE));
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

function smallForm(ctx, { controls, submit, test, send }) {
  const go = h('button', { type: 'submit', class: 'button', 'data-test': `${test}-add` }, submit);
  const form = h('form', { class: 'form form-inline', novalidate: true }, errorBox(), h('div', { class: 'inline-row' }, controls, go));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setBusy(go, true);
    try {
      await send(formValues(form));
      ctx.rerender();
    } catch (error) {
      showFormError(form, errorMessage(error, t), error.field || null);
    } finally {
      setBusy(go, false);
    }
  });
  return form;
}

function notesSection(ctx, customer, notes) {
  return section(t('customer.notes'), [
    smallForm(ctx, { test: 'note', submit: t('customer.note.add'),
      controls: [h('textarea', { name: 'body', rows: '2', maxlength: '2000', 'aria-label': t('customer.note'),
        'data-test': 'note-body' })],
      send: (values) => ctx.api.post(`/api/customers/${customer.id}/notes`, { body: values.body.trim() }) }),
    notes.length ? h('ul', { class: 'list' }, notes.map((note) => h('li', { class: 'list-row', 'data-test': 'note-row' },
      h('div', { class: 'list-main' }, h('div', { class: 'pre-line' }, note.body),
        h('div', { class: 'muted' }, `${note.author_name} · ${when(note.created_at)}`)))))
      : h('p', { class: 'muted' }, t('customer.notes.none')),
  ], { test: 'customer-notes' });
}

function followUpsSection(ctx, customer, followUps) {
  const toggle = (item) => ctx.api.patch(`/api/follow-ups/${item.id}`, { done: !item.done })
    .then(() => ctx.rerender(), (error) => ctx.notify(errorMessage(error, t), 'error'));
  return section(t('customer.followUps'), [
    smallForm(ctx, { test: 'follow-up', submit: t('customer.followUp.add'),
      controls: [input({ name: 'due_date', type: 'date', 'aria-label': t('customer.followUp.date'), 'data-test': 'follow-up-date' }),
        input({ name: 'note', maxlength: '500', placeholder: t('customer.followUp.note'), 'data-test': 'follow-up-note' })],
      send: (values) => ctx.api.post(`/api/customers/${customer.id}/follow-ups`, { due_date: values.due_date, note: values.note.trim() }) }),
    followUps.length ? h('ul', { class: 'list' }, followUps.map((item) => h('li', { class: `list-row ${item.done ? 'is-done' : ''}`,
      'data-test': 'follow-up-row' },
    h('div', { class: 'list-main' }, h('strong', {}, item.due_date), ' ', item.note),
    button(t(item.done ? 'customer.followUp.reopen' : 'customer.followUp.done'), () => toggle(item), { kind: 'small' }))))
      : h('p', { class: 'muted' }, t('customer.followUps.none')),
  ], { test: 'customer-follow-ups' });
}

function conversationsSection(conversations, staff) {
  if (!conversations.length) return section(t('customer.conversations'), h('p', { class: 'muted' }, t('customer.conversations.none')));
  return section(t('customer.conversations'), h('ul', { class: 'list' }, conversations.map((conversation) => h('li', {
    class: 'list-row', 'data-test': 'customer-conversation' },
  h('div', { class: 'list-main' },
    staff ? h('a', { class: 'list-title', href: hrefFor('console', { id: conversation.id }) }, `#${conversation.id}`)
      : h('span', { class: 'list-title' }, `#${conversation.id}`),
    ' ', h('span', { class: 'badge' }, t(`console.status.${conversation.status === 'open' ? 'open' : conversation.status}`)),
    conversation.rating ? h('span', { class: 'conv-rating', 'data-test': 'customer-rating' }, ratingStars(conversation.rating),
      conversation.rating_comment ? ` ${conversation.rating_comment}` : '') : null,
    h('div', { class: 'muted' }, `${when(conversation.created_at)} · ${previewText(conversation.last_message, t)}`))))),
  { test: 'customer-conversations' });
}

/**
 * The visits of the person: each visitor (browser) they were, where they came from and where they are;
 * then their latest visits across those browsers, each with its pages in order and the time on each.
 */
function visitsSection(visitors, visits = [], siteOf = () => null) {
  const browsers = visitors.length ? h('ul', { class: 'list' }, visitors.map((visitor) => h('li', {
    class: 'list-row', 'data-test': 'customer-visitor', 'data-visitor-id': visitor.id },
  h('div', { class: 'list-main' },
    h('div', {}, visitor.page_title || '', ' ', visitor.page_url ? externalLink(sitePageLink(visitor.page_url, siteOf(visitor.site_id)), visitor.page_url) : null),
    h('div', { class: 'muted' }, [visitor.referrer && t('customer.visit.from', { referrer: visitor.referrer }),
      t('customer.visit.seen', { first: when(visitor.first_seen_at), last: when(visitor.last_seen_at) })]
      .filter(Boolean).join(' · ')))))) : h('p', { class: 'muted' }, t('customer.visits.none'));
  return section(t('customer.visits'), [browsers, visits.length ? h('ol', { class: 'list', 'data-test': 'customer-trail' },
    visits.map((visit) => visitItem(visit, siteOf(visit.site_id)))) : null], { test: 'customer-visits' });
}

/** A duration in whole seconds as people read it: 45 秒, 3 分 05 秒 / 45 s, 3 min 05 s. */
function seconds(value) {
  const total = Math.max(0, Math.round(Number(value) || 0));
  const minutes = Math.floor(total / 60);
  return minutes ? t('customer.trail.minutes', { minutes, seconds: String(total % 60).padStart(2, '0') })
    : t('customer.trail.seconds', { seconds: total });
}

function sourceText(source) {
  if (!source || !source.kind) return '';
  const parts = [t(`customer.trail.source.${source.kind}`), source.name, source.keyword && `“${source.keyword}”`];
  return parts.filter(Boolean).join(' ');
}

/** A visit and its pages (a page is a link only to the visit's own site: `site`). */
function visitItem(visit, site) {
  const place = visit.place ? [visit.place.country, visit.place.province, visit.place.city].filter(Boolean).join(' ') : '';
  const device = visit.device ? [visit.device.device, visit.device.os, visit.device.browser].filter(Boolean).join(' · ') : '';
  return h('li', { class: 'list-row', 'data-test': 'customer-visit', 'data-visit-id': visit.id },
    h('details', { class: 'list-main' },
      h('summary', {}, t('customer.trail.visit', { number: visit.number, when: when(visit.started_at), pages: visit.page_count }),
        ' · ', sourceText(visit.source)),
      h('div', { class: 'muted' }, [place, device, visit.language].filter(Boolean).join(' · ')),
      h('ol', { class: 'trail' }, (visit.pages || []).map((pageView) => h('li', { 'data-test': 'customer-trail-page' },
        pageView.title || pageView.url, ' ', externalLink(sitePageLink(pageView.url, site), pageView.url), ' ',
        h('span', { class: 'muted' }, seconds(pageView.seconds)))))));
}

function invitationsSection(invitations = []) {
  if (!invitations.length) return null;
  return section(t('customer.invitations'), h('ul', { class: 'list' }, invitations.map((invitation) => h('li', {
    class: 'list-row', 'data-test': 'customer-invitation' },
  h('div', { class: 'list-main' },
    h('div', {}, invitation.message),
    h('div', { class: 'muted' }, [when(invitation.created_at), t(`customer.invitation.${invitation.status}`),
      invitation.rule_id ? t('customer.invitation.by_rule') : t('customer.invitation.by_agent')].join(' · ')))))),
  { test: 'customer-invitations' });
}

/**
 * Leads, each with the time its chat started (the day it counts on in the reports), in
 * `timeZone` when given: the company's, as the report beside it counts days.
 */
export function leadList(leads, siteName = () => '', timeZone = null) {
  if (!leads.length) return h('p', { class: 'muted' }, t('leads.none'));
  return h('ul', { class: 'list' }, leads.map((lead) => h('li', { class: 'list-row', 'data-test': 'lead-row', 'data-lead-id': lead.id },
    h('div', { class: 'list-main' },
      h('div', { class: 'list-title' }, lead.name || t('customer.unnamed'), ' ',
        h('span', { class: `badge ${lead.effective ? 'badge-active' : ''}` }, t(lead.effective ? 'lead.effective' : 'lead.notEffective')),
        lead.duplicate_of ? h('span', { class: 'badge badge-waiting' }, t('lead.duplicate')) : null),
      h('div', { class: 'muted', 'data-test': 'lead-meta' }, [formatDateTime(lead.chat_started_at || lead.created_at, getLanguage(), timeZone),
        siteName(lead.site_id), lead.source && sourceLabel(lead.source, t), lead.keyword, lead.agent_name,
        phoneText(lead.phone), lead.need].filter(Boolean).join(' · '))))));
}

function mergeSection(ctx, customer, merges) {
  const candidates = h('ul', { class: 'list merge-candidates' });
  const searchBox = input({ name: 'q', placeholder: t('customer.merge.search'), 'data-test': 'merge-search' });
  const find = async () => {
    const answer = await ctx.api.get(`/api/companies/${customer.company_id}/customers?${new URLSearchParams({ q: searchBox.value, limit: '10' })}`);
    candidates.replaceChildren(...answer.customers.filter((other) => other.id !== customer.id).map((other) => h('li', { class: 'list-row' },
      h('div', { class: 'list-main' }, other.name || t('customer.unnamed'), ' ', h('span', { class: 'muted' }, [phoneText(other.phone), other.email].filter(Boolean).join(' · '))),
      button(t('customer.merge.go'), () => merge(other), { kind: 'small', test: 'merge-go' }))));
  };
  const merge = (other) => openDialog({
    title: t('customer.merge.title', { name: other.name || `#${other.id}` }), message: t('customer.merge.message'),
    okLabel: t('customer.merge.go'),
    onConfirm: async () => {
      await ctx.api.post(`/api/customers/${customer.id}/merge`, { other_id: other.id });
      ctx.notify(t('customer.merge.done'));
      ctx.rerender();
    },
  }).catch(() => {});
  const undo = (record) => ctx.api.post(`/api/merges/${record.id}/undo`, {})
    .then(() => { ctx.notify(t('customer.merge.undone')); ctx.rerender(); }, (error) => ctx.notify(errorMessage(error, t), 'error'));
  return section(t('customer.merge'), [
    h('div', { class: 'inline-row' }, searchBox, button(t('customers.find'), () => find().catch(() => {}), { test: 'merge-find' })),
    candidates,
    merges.length ? h('ul', { class: 'list' }, merges.map((record) => h('li', { class: 'list-row', 'data-test': 'merge-row' },
      h('div', { class: 'list-main' }, t('customer.merge.record', { name: record.merged_name || `#${record.merged_id}`,
        time: when(record.created_at) })),
      record.undone_at ? h('span', { class: 'muted' }, t('customer.merge.wasUndone'))
        : button(t('customer.merge.undo'), () => undo(record), { kind: 'small', test: 'merge-undo' })))) : null,
  ], { description: t('customer.merge.description'), test: 'customer-merge' });
}

function privacySection(ctx, customer) {
  const erase = () => openDialog({
    title: t('customer.erase.title'), message: t('customer.erase.message'), okLabel: t('customer.erase'), danger: true,
    onConfirm: async () => {
      await ctx.api.post(`/api/customers/${customer.id}/erase`, { confirm: true });
      ctx.notify(t('customer.erase.done'));
      ctx.navigate(hrefFor('customers'));
    },
  }).catch(() => {});
  return section(t('customer.privacy'), h('div', { class: 'row-actions' },
    h('a', { class: 'button', href: `/api/customers/${customer.id}/export`, download: '', 'data-test': 'customer-export' },
      t('customer.exportData')),
    button(t('customer.erase'), erase, { kind: 'danger', test: 'customer-erase' })),
  { description: t('customer.privacy.description'), test: 'customer-privacy' });
}

export async function customerView(ctx, { id }) {
  const [answer, { companies }, agents, sites] = await Promise.all([
    ctx.api.get(`/api/customers/${id}`).catch((error) => ({ error })), ctx.api.get('/api/companies'),
    ctx.api.get('/api/agents').then((found) => found.agents, () => []),
    ctx.api.get('/api/sites').then((found) => found.sites, () => [])]);
  const back = { href: hrefFor('customers'), label: t('customers.title') };
  if (answer.error) {
    return page(pageHeader(t('customer.title'), { back }), emptyState(errorMessage(answer.error, t), null, { test: 'customer-missing' }));
  }
  const { customer } = answer;
  const company = companies.find((item) => item.id === customer.company_id);
  // Only those the server accepts as owner (api.md, GET /api/agents?company_id=).
  const fitting = await ctx.api.get(`/api/agents?company_id=${customer.company_id}`).then((found) => found.agents, () => [ctx.me]);
  return page(
    pageHeader(customer.name || t('customer.unnamed'), { back, lead: company?.name }),
    section(t('customer.profile'), profileForm(ctx, customer, company, ownerChoices(customer, fitting, agents, t)),
      { test: 'customer-profile' }),
    followUpsSection(ctx, customer, answer.follow_ups),
    notesSection(ctx, customer, answer.notes),
    section(t('customer.leads'), leadList(answer.leads, undefined, company?.settings?.timezone), { test: 'customer-leads' }),
    conversationsSection(answer.conversations, true),
    visitsSection(answer.visitors, answer.visits, (siteId) => sites.find((site) => site.id === siteId) || null),
    invitationsSection(answer.invitations),
    mergeSection(ctx, customer, answer.merges),
    isManager(ctx.me.role) ? privacySection(ctx, customer) : null);
}
