// The panel's occasional views, loaded with import() when first needed: emoji, pre-chat and leave-a-message forms, categories, queue, menu, rating.
import { adoptStyles, h } from './dom.js';
import { translator } from './i18n.js';
import { COMMENT_MAX, emailError, hoursText, leaveBody, leaveErrors, leaveFieldOf, NAME_MAX, ratingError } from './offline.js';
import { prechatErrors, prechatIdentity } from './prechat.js';
import { queuePlace, queueText, siteCategories } from './routing.js';

const OPENS = { weekday: 'short', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' };
export const EMOJI = ['😀', '😁', '😂', '🤣', '😊', '😍', '😘', '😎', '🤔', '😅', '😭', '😢', '😡', '😱', '😴',
  '👍', '👎', '👌', '👏', '🙏', '💪', '🤝', '❤️', '💔', '🌹', '🎉', '🔥', '✅', '❌', '❓'];
const CSS = `
.emoji{display:grid;grid-template-columns:repeat(10,1fr);gap:2px;padding:8px;border-top:1px solid #eaeef2}
.emoji button{font-size:20px;height:32px;border-radius:6px}
.emoji button:hover{background:#f0f2f4}
.pre{padding:12px 16px;border-top:1px solid #eaeef2;display:flex;flex-direction:column;gap:8px;margin:0}
.pre p{margin:0;font-weight:600}
.pre label{display:flex;flex-direction:column;gap:3px;font-size:13px;color:#57606a}
.pre input{font:inherit;font-size:15px;padding:7px 10px;border:1px solid #d0d7de;border-radius:8px;color:#1f2328;outline:none}
.pre input:focus,.pre textarea:focus{border-color:var(--c,#1f6feb)}
.pre small{color:#d1242f;font-size:12px}
.leave{overflow-y:auto;flex:0 1 auto;max-height:60%}
.leave textarea,.card textarea{flex:none;min-height:60px;padding:7px 10px;border:1px solid #d0d7de;border-radius:8px;font:inherit;color:#1f2328}
.sub{font-size:12px;color:#8c959f}
.done,.thanks{color:#1a7f37}
.cats{display:flex;flex-wrap:wrap;gap:6px;padding:10px 12px;border-top:1px solid #eaeef2;background:#fff}
.cats p{flex-basis:100%;margin:0;font-size:13px;color:#57606a}
.cats button{padding:5px 12px;border:1px solid var(--c,#1f6feb);border-radius:16px;color:var(--c,#1f6feb)}
.cats [aria-pressed=true]{background:var(--c,#1f6feb);color:#fff}
.queue{padding:6px 14px;font-size:12px;color:#0b4a9c;background:#eef4ff}
.menu{position:absolute;top:60px;right:12px;z-index:1;padding:4px;background:#fff;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.18)}
.menu button{display:block;width:100%;padding:8px 16px;border-radius:6px;color:#1f2328;text-align:left;white-space:nowrap}
.menu button:hover{background:#f0f2f4}
.card{align-self:stretch;display:flex;flex-direction:column;gap:10px;margin:8px 0;padding:12px;background:#fff;border:1px solid #e4e7eb;border-radius:12px}
.card form{display:flex;flex-direction:column;gap:6px;margin:0}
.card p{margin:0;font-weight:600}
.card label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#57606a}
.card input{flex:1;min-width:0;padding:6px 10px;border:1px solid #d0d7de;border-radius:8px;font:inherit;color:#1f2328}
.card small{color:#d1242f;font-size:12px}
.row{display:flex;gap:6px}
.stars{display:flex;gap:4px}
.stars button{font-size:28px;line-height:1;color:#d0d7de}
.stars [aria-pressed=true]{color:#f5a623}
@media (prefers-color-scheme:dark){
.emoji,.pre,.cats{border-color:#30363d}
.pre input,.leave textarea,.card textarea,.card input{background:#0d1117;color:#e6edf3;border-color:#3d444d}
.pre label,.card label,.cats p{color:#9198a1}
.cats,.menu,.card{background:#161b22;border-color:#30363d}
.menu button{color:#e6edf3}
.emoji button:hover,.menu button:hover{background:#21262d}
.queue{background:#0c2d6b;color:#cae8ff}
}
`;

/**
 * `o`: {view (its `parts`: panel, list, compose, menu, insert(text)), delivery, lang (the strings
 * are lang-extras-*.js), known() → what the visitor told us ({name, email, phone}),
 * post(path, body) → Promise (with the visitor's token), changed(conversation of an answer),
 * pick(category id, 0 for none)}.
 */
export async function createExtras(o) {
  const t = translator((await import(`./lang-extras-${o.lang}.js`)).default);
  const { panel, list, compose } = o.view.parts;
  let leaveForm = null;
  let picker = null;
  let queueLine = null;
  let menu = null;
  let card = null;
  let emojiPicker = null;
  adoptStyles(panel.getRootNode(), CSS);
  panel.addEventListener('click', (event) => {
    const path = event.composedPath();
    if (menu && !path.includes(menu) && !path.includes(o.view.parts.menu)) closeMenu();
  });

  const known = () => o.known() || {};
  /** Throttled (429): the form is sent again by itself after Retry-After, as it is. */
  const later = (err, form) => err.status === 429 && Boolean(setTimeout(() => form.isConnected && form.requestSubmit(), err.retryAfter));
  const toBottom = () => { list.scrollTop = list.scrollHeight; };

  /** The emoji picker above the composer, opened and closed by its button; sending closes it. */
  function emoji() {
    if (!emojiPicker) {
      emojiPicker = h('div', { class: 'emoji', hidden: true },
        ...EMOJI.map((e) => h('button', { type: 'button', text: e, onclick: () => o.view.parts.insert(e) })));
      compose.before(emojiPicker);
      compose.addEventListener('submit', () => { emojiPicker.hidden = true; });
    }
    emojiPicker.hidden = !emojiPicker.hidden;
  }

  // -- pre-chat form and leave a message

  /** The site's pre-chat form in place of the composer; `answered(identify fields)` once valid. */
  function ask(fields, answered) {
    const inputs = {};
    const errors = {};
    const form = h('form', {
      class: 'pre', 'data-test': 'kefu-prechat', novalidate: true,
      onsubmit(event) {
        event.preventDefault();
        const values = Object.fromEntries(fields.map(({ field }) => [field, inputs[field].value]));
        const problems = prechatErrors(fields, values);
        for (const { field } of fields) errors[field].textContent = problems[field] ? t(problems[field]) : '';
        if (Object.keys(problems).length) return;
        form.remove();
        compose.hidden = Boolean(leaveForm);
        answered(prechatIdentity(fields, values));
      },
    }, h('p', { text: t('prechat') }), ...fields.map(({ field, required }) => h('label', {},
      t(`field_${field}`) + (required ? '' : t('optional')),
      inputs[field] = h('input', { name: field, type: { email: 'email', phone: 'tel' }[field] || 'text', autocomplete: { phone: 'tel' }[field] || field }),
      errors[field] = h('small'))), h('button', { type: 'submit', class: 'send', text: t('start') }));
    compose.hidden = true;
    compose.before(form);
  }

  /**
   * The leave-a-message form in place of the composer (`on`: the session's availability), or the
   * composer back. Closed by the business hours, it says so, with the hours and the next opening.
   */
  function leave(on) {
    if (!on) {
      leaveForm?.remove();
      leaveForm = null;
      compose.hidden = Boolean(panel.querySelector('.pre'));
      return;
    }
    if (leaveForm) return;
    panel.querySelector('.pre')?.remove(); // the pre-chat form asks for less than this one
    const inputs = {};
    const errors = { contact: h('small'), form: h('small') };
    const field = (key, label, tag, props = {}) => h('label', {}, label,
      inputs[key] = h(tag, { name: key, 'data-test': `kefu-leave-${key}`, ...props }), errors[key] = h('small'));
    const submit = h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-leave-submit', text: t('leave_submit') });
    const form = h('form', { class: 'pre leave', 'data-test': 'kefu-leave-form', novalidate: true, onsubmit: send },
      ...intro(on),
      field('name', t('field_name'), 'input', { autocomplete: 'name', maxlength: NAME_MAX, value: known().name }),
      h('span', { class: 'sub', text: t('leave_contact') }),
      field('phone', t('leave_phone'), 'input', { type: 'tel', autocomplete: 'tel', value: known().phone }),
      field('email', t('field_email'), 'input', { type: 'email', autocomplete: 'email', value: known().email }),
      field('wechat', t('field_wechat'), 'input'),
      errors.contact,
      field('message', t('field_message'), 'textarea', { rows: 3 }),
      errors.form, submit);
    leaveForm = form;
    compose.hidden = true;
    compose.before(form);

    function show(problems) {
      for (const [key, small] of Object.entries(errors)) small.textContent = problems[key] ? t(problems[key]) : '';
    }

    async function send(event) {
      event.preventDefault();
      const values = Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, input.value]));
      const problems = leaveErrors(values);
      show(problems);
      if (Object.keys(problems).length) return;
      submit.disabled = true;
      try {
        const answer = await o.post('/api/widget/leave-message', leaveBody(values));
        form.remove();
        if (leaveForm === form) leaveForm = null;
        list.append(h('li', { class: 'notice done', 'data-test': 'kefu-leave-done', text: t('leave_done') }));
        toBottom();
        o.changed(answer.conversation);
      } catch (err) {
        if (later(err, form)) return show({ form: 'throttled' });
        const key = err.status === 400 ? leaveFieldOf(err.error?.field) : 'form';
        show({ [key]: key === 'form' ? 'try_again' : key === 'contact' ? 'contact' : 'invalid' });
      } finally {
        submit.disabled = false;
      }
    }
  }

  function intro(availability) {
    if (availability?.open !== false) return [h('p', { text: t('leave_intro') })];
    const hours = hoursText(availability.hours, t('days').split(','));
    const opens = new Date(availability.opens_at);
    return [h('p', { text: t('closed_intro') }),
      hours && h('span', { class: 'sub', 'data-test': 'kefu-hours', text: t('hours', { hours, zone: availability.hours.timezone }) }),
      availability.opens_at && !Number.isNaN(opens.getTime()) && h('span', {
        class: 'sub', 'data-test': 'kefu-opens', text: t('opens', { when: opens.toLocaleString(o.lang, OPENS) }),
      })].filter(Boolean);
  }

  // -- categories and queue

  /** Buttons for the site's question categories before the first message (none: hidden). */
  function categories(value) {
    picker?.remove();
    picker = null;
    const found = siteCategories(value);
    o.pick(0);
    if (!found.length) return;
    const buttons = found.map(({ id, name }) => h('button', {
      type: 'button', 'data-test': 'kefu-category', 'data-id': id, 'aria-pressed': 'false', text: name,
      onclick(event) {
        const on = event.currentTarget.getAttribute('aria-pressed') !== 'true';
        for (const b of buttons) b.setAttribute('aria-pressed', String(on && b === event.currentTarget));
        o.pick(on ? id : 0);
      },
    }));
    picker = h('div', { class: 'cats', role: 'group' }, h('p', { text: t('categories') }), ...buttons);
    list.after(picker);
  }

  /** The visitor's place in the queue (a `queue` frame or the session's `queue`); null hides it. */
  function queue(value) {
    const place = queuePlace(value);
    if (!place) {
      queueLine?.remove();
      queueLine = null;
      return;
    }
    queueLine ||= h('div', { class: 'queue', 'data-test': 'kefu-queue', role: 'status' });
    queueLine.setAttribute('data-position', place.position);
    queueLine.textContent = queueText(t, place);
    if (!queueLine.isConnected) list.after(queueLine);
  }

  // -- header menu, ending and rating

  function toggleMenu() {
    if (menu) return closeMenu();
    menu = h('div', { class: 'menu', role: 'menu' },
      h('button', { type: 'button', role: 'menuitem', 'data-test': 'kefu-end', text: t('end'), onclick: end }));
    panel.append(menu);
  }

  function closeMenu() {
    menu?.remove();
    menu = null;
  }

  async function end() {
    closeMenu();
    const conversation = o.delivery.conversation;
    if (!conversation) return;
    try {
      const answer = await o.post('/api/widget/close', { conversation_id: conversation.id });
      o.changed(answer.conversation);
    } catch {
      o.view.notice(t('try_again'));
    }
  }

  /** Stars, a comment and the transcript by mail, for conversation `id` that just ended. */
  function rate(id) {
    card?.remove();
    let stars = 0;
    const error = h('small');
    const mailError = h('small');
    const buttons = [1, 2, 3, 4, 5].map((n) => h('button', {
      type: 'button', 'data-test': `kefu-rate-${n}`, 'aria-label': t('star', { n }), 'aria-pressed': 'false', text: '★',
      onclick() {
        stars = n;
        buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i < n)));
      },
    }));
    const comment = h('textarea', { rows: 2, 'data-test': 'kefu-rate-comment', placeholder: t('rate_comment'), maxlength: COMMENT_MAX });
    const submit = h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-rate-submit', text: t('rate_submit') });
    const rating = h('form', { onsubmit: sendRating },
      h('p', { text: t('rate_intro') }), h('div', { class: 'stars' }, ...buttons), comment, error, submit);
    const email = h('input', { type: 'email', 'data-test': 'kefu-transcript-email', autocomplete: 'email', value: known().email });
    const mail = h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-transcript-submit', text: t('transcript_submit') });
    const transcript = h('form', { novalidate: true, onsubmit: sendTranscript },
      h('label', {}, t('transcript'), h('span', { class: 'row' }, email, mail)), mailError);
    card = h('li', { class: 'card', 'data-test': 'kefu-rating' }, rating, transcript);
    list.append(card);
    toBottom();

    async function sendRating(event) {
      event.preventDefault();
      const problem = ratingError(stars, comment.value);
      error.textContent = problem ? t(problem) : '';
      if (problem) return;
      submit.disabled = true;
      try {
        await o.post('/api/widget/rating', { conversation_id: id, rating: stars, comment: comment.value.trim() });
        rating.replaceWith(h('p', { class: 'thanks', 'data-test': 'kefu-rate-done', text: t('rate_done') }));
      } catch (err) {
        error.textContent = t(later(err, rating) ? 'throttled' : 'try_again');
        submit.disabled = false;
      }
    }

    async function sendTranscript(event) {
      event.preventDefault();
      const problem = emailError(email.value);
      mailError.textContent = problem ? t(problem) : '';
      if (problem) return;
      mail.disabled = true;
      const address = email.value.trim().toLowerCase();
      try {
        await o.post('/api/widget/transcript', { conversation_id: id, email: address });
        transcript.replaceWith(h('p', { class: 'thanks', 'data-test': 'kefu-transcript-done', text: t('transcript_done', { email: address }) }));
      } catch (err) {
        mailError.textContent = t(later(err, transcript) ? 'throttled' : 'try_again');
        mail.disabled = false;
      }
    }
  }

  return {
    emoji,
    ask,
    leave,
    categories,
    queue,
    menu: toggleMenu,
    /** The conversation is now `status` ('open', 'closed', 'none'); `ended`: it was open just before. */
    status(status, id, ended) {
      if (status !== 'none') categories(null);
      if (status !== 'open') {
        queue(null);
        closeMenu();
      }
      if (status === 'closed' && ended && id) rate(id);
      else if (status !== 'closed') {
        card?.remove();
        card = null;
      }
    },
    /** The visitor wrote: a chosen category went with it. */
    written: () => categories(null),
  };
}
