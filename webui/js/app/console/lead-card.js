// The lead card beside a chat: who the visitor is, how to reach them and what they need (有效咨询), and their customer.
import { h } from '../../dom.js';
import { errorMessage, resolveField } from '../../errors.js';
import { errorBox, field, formValues, input, select, setBusy, showFormError } from '../../forms.js';
import { formatList, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { INTENTS, LEAD_FIELDS, leadBody, leadValues, missingLeadFields } from '../../customers/model.js';

/** Marked required: the fields the company's rule names (any one contact does; its hint says so). */
function isRequired(name, required) {
  return required.includes(name);
}

function labelOf(name, required) {
  const text = t(`lead.${name}`);
  return isRequired(name, required) ? `${text} *` : text;
}

function control(name, value) {
  const common = { name, value, autocomplete: 'off', 'data-test': `lead-${name}` };
  if (name === 'need') return h('textarea', { ...common, rows: '3', maxlength: '2000' });
  if (name === 'intent') {
    return select({ name, 'data-test': 'lead-intent' }, [['', '—'], ...INTENTS.map((v) => [v, t(`lead.intent.${v}`)])], value);
  }
  if (name === 'follow_up_date') return input({ ...common, type: 'date' });
  if (name === 'phone') return input({ ...common, type: 'tel', inputmode: 'tel' });
  if (name === 'email') return input({ ...common, type: 'email' });
  return input({ ...common, maxlength: name === 'category' ? '40' : '80' });
}

/** `show(conversationId)` loads the card of that conversation (or hides it for null). */
export function createLeadCard({ ctx }) {
  const body = h('div', { class: 'lead-card-body' });
  const element = h('section', { class: 'info-section lead-card', 'data-test': 'lead-card', hidden: true },
    h('h3', {}, t('lead.title')), body);
  let shownId = null;
  let loading = 0;

  function status(card) {
    const lead = card.lead;
    const missing = lead ? card.missing : missingLeadFields(leadValues(card), card.required);
    return h('p', { class: 'lead-status', 'data-test': 'lead-status', 'data-effective': lead?.effective ? 'true' : 'false' },
      lead ? h('span', { class: `badge ${lead.effective ? 'badge-active' : ''}` }, t(lead.effective ? 'lead.effective' : 'lead.notEffective'))
        : h('span', { class: 'badge' }, t('lead.unsaved')),
      lead?.duplicate_of ? h('span', { class: 'badge badge-waiting', 'data-test': 'lead-duplicate' }, t('lead.duplicate')) : null,
      missing.length ? h('span', { class: 'muted' }, ` ${t('lead.missing', { fields: formatList(missing.map((name) => t(`lead.${name}`)), { sentence: true }) })}`)
        : null);
  }

  function customerLine(card, conversationId) {
    const id = card.lead?.customer_id;
    if (id) {
      return h('p', {}, h('a', { href: hrefFor('customer', { id }), 'data-test': 'lead-customer' }, t('lead.openCustomer')));
    }
    return h('p', {}, h('button', { type: 'button', class: 'link-button', 'data-test': 'lead-make-customer', onclick: async () => {
      try {
        const { customer } = await ctx.api.post(`/api/conversations/${conversationId}/customer`, {});
        ctx.navigate(hrefFor('customer', { id: customer.id }));
      } catch (error) {
        ctx.notify(errorMessage(error, t), 'error');
      }
    } }, t('lead.makeCustomer')));
  }

  function draw(card, conversationId) {
    const values = leadValues(card);
    const required = card.required || [];
    const save = h('button', { type: 'submit', class: 'button button-primary button-small', 'data-test': 'lead-save' }, t('lead.save'));
    const form = h('form', { class: 'form lead-form', novalidate: true }, errorBox(),
      h('p', { class: 'muted lead-company' }, t('lead.rule', { company: card.company.name })),
      LEAD_FIELDS.map((name) => field({ label: labelOf(name, required), control: control(name, values[name]),
        hint: name === 'phone' && required.includes('contact') ? t('lead.contact.hint') : null })),
      h('div', { class: 'form-actions' }, save));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      setBusy(save, true);
      try {
        const saved = await ctx.api.put(`/api/conversations/${conversationId}/lead`, leadBody(formValues(form)));
        ctx.notify(t(saved.lead.effective ? 'lead.savedEffective' : 'lead.saved'));
        if (shownId === conversationId) draw(saved, conversationId);
      } catch (error) {
        showFormError(form, errorMessage(error, t), resolveField(error.field, LEAD_FIELDS));
      } finally {
        setBusy(save, false);
      }
    });
    body.replaceChildren(status(card), form, customerLine(card, conversationId));
  }

  async function load(conversationId) {
    const ticket = ++loading;
    body.replaceChildren(h('p', { class: 'muted' }, t('app.loading')));
    try {
      const card = await ctx.api.get(`/api/conversations/${conversationId}/lead`);
      if (ticket === loading) draw(card, conversationId);
    } catch (error) {
      if (ticket === loading) body.replaceChildren(h('p', { role: 'alert' }, errorMessage(error, t)));
    }
  }

  return {
    element,
    show(conversationId) {
      element.hidden = conversationId === null;
      if (conversationId === shownId) return;
      shownId = conversationId;
      if (conversationId !== null) load(conversationId);
    },
  };
}

/** The agent's follow-ups due by today (客户跟进提醒), linked to their customers. */
export function createFollowUps({ ctx }) {
  const element = h('section', { class: 'info-section follow-ups', 'data-test': 'follow-up-reminders', hidden: true });
  async function refresh() {
    try {
      const { follow_ups: items } = await ctx.api.get('/api/follow-ups');
      element.hidden = !items.length;
      element.replaceChildren(h('h3', {}, t('followUps.title', { count: items.length })),
        h('ul', { class: 'follow-up-list' }, items.map((item) => h('li', { 'data-test': 'follow-up-reminder' },
          h('a', { href: hrefFor('customer', { id: item.customer_id }) }, item.customer_name || `#${item.customer_id}`),
          ' ', h('span', { class: 'muted' }, `${item.due_date} ${item.note}`)))));
    } catch {
      element.hidden = true;
    }
  }
  refresh();
  const timer = setInterval(refresh, 5 * 60 * 1000);
  return { element, refresh, destroy: () => clearInterval(timer) };
}
