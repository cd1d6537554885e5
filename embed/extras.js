// The panel's occasional views, loaded with import() when first needed: emoji, pre-chat and leave-a-message forms, categories, queue, menu, rating.
import { adoptStyles, h } from './dom.js';
import { translator } from './i18n.js';
import { formStyles, later } from './leave.js';
import { COMMENT_MAX, emailError, ratingError } from './offline.js';
import { LIMITS, prechatErrors, prechatIdentity, refusal } from './prechat-form.js';
import { queuePlace, queueText, siteCategories } from './routing.js';

export const EMOJI = ['😀', '😁', '😂', '🤣', '😊', '😍', '😘', '😎', '🤔', '😅', '😭', '😢', '😡', '😱', '😴',
  '👍', '👎', '👌', '👏', '🙏', '💪', '🤝', '❤️', '💔', '🌹', '🎉', '🔥', '✅', '❌', '❓'];
const CSS = `
.emoji{display:grid;grid-template-columns:repeat(10,1fr);gap:2px;padding:8px;border-top:1px solid #eaeef2}
.emoji button{font-size:20px;height:32px;border-radius:6px}
.emoji button:hover{background:#f0f2f4}
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
.emoji,.cats{border-color:#30363d}
.cats p{color:#9198a1}
.cats,.menu,.card{background:#161b22;border-color:#30363d}
.menu button{color:#e6edf3}
.emoji button:hover,.menu button:hover{background:#21262d}
.queue{background:#0c2d6b;color:#cae8ff}
}
`;

/**
 * The leave-a-message form is leave.js (loaded on its own: the offline path stays small).
 * `o`: {view (its `parts`: panel, list, compose, menu, insert(text)), delivery, lang (the strings
 * are lang-extras-*.js and, shared with leave.js, lang-leave-*.js), known() → what the visitor
 * told us ({name, email, phone}), post(path, body) → Promise (with the visitor's token),
 * changed(conversation of an answer), pick(category id, 0 for none), siteKey}.
 */
export async function createExtras(o) {
  const [forms, views] = await Promise.all([import(`./lang-leave-${o.lang}.js`), import(`./lang-extras-${o.lang}.js`)]);
  const t = translator({ ...forms.default, ...views.default });
  const { panel, list, compose } = o.view.parts;
  let picker = null;
  let queueLine = null;
  let menu = null;
  let card = null;
  let emojiPicker = null;
  adoptStyles(panel.getRootNode(), CSS);
  formStyles(panel.getRootNode());
  panel.addEventListener('click', (event) => {
    const path = event.composedPath();
    if (menu && !path.includes(menu) && !path.includes(o.view.parts.menu)) closeMenu();
  });

  const known = () => o.known() || {};
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

  /**
   * The site's pre-chat form in place of the composer. `answered(identify fields)` resolves once
   * the server has them, with the field it refused (the form then stays, saying so) or nothing.
   * `refused`: {field, answers} of answers the server refused before, shown again with that error.
   */
  function ask(fields, answered, refused) {
    const inputs = {};
    const errors = {};
    const show = (problems) => {
      for (const { field } of fields) errors[field].textContent = problems[field] ? t(problems[field], { max: LIMITS[field] }) : '';
    };
    const submit = h('button', { type: 'submit', class: 'send', text: t('start') });
    const form = h('form', {
      class: 'pre', 'data-test': 'kefu-prechat', novalidate: true,
      async onsubmit(event) {
        event.preventDefault();
        const values = Object.fromEntries(fields.map(({ field }) => [field, inputs[field].value]));
        const problems = prechatErrors(fields, values);
        show(problems);
        if (Object.keys(problems).length || submit.disabled) return;
        submit.disabled = true;
        const field = await answered(prechatIdentity(fields, values));
        submit.disabled = false;
        if (field) return show({ [field]: refusal(field) });
        form.remove();
        compose.hidden = Boolean(panel.querySelector('.leave'));
      },
    }, h('p', { text: t('prechat') }), ...fields.map(({ field, required }) => h('label', {},
      t(`field_${field}`) + (required ? '' : t('optional')),
      inputs[field] = h('input', {
        name: field, type: { email: 'email', phone: 'tel' }[field] || 'text', autocomplete: { phone: 'tel' }[field] || field,
        maxlength: LIMITS[field], value: refused?.answers[field] || '',
      }),
      errors[field] = h('small'))), submit);
    if (refused) show({ [refused.field]: refusal(refused.field) });
    compose.hidden = true;
    compose.before(form);
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
    // Transcripts go only to the address the visitor gave: offer it (the server's, or the forms').
    const email = h('input', { type: 'email', 'data-test': 'kefu-transcript-email', autocomplete: 'email', value: o.delivery.email || known().email || '' });
    const mail = h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-transcript-submit', text: t('transcript_submit') });
    const transcript = h('form', { novalidate: true, onsubmit: sendTranscript },
      h('label', {}, t('transcript'), h('span', { class: 'row' }, email, mail)), mailError);
    card = h('li', { class: 'card', 'data-test': 'kefu-rating' }, rating, transcript);
    list.append(card);
    toBottom();

    async function sendRating(event) {
      event.preventDefault();
      const problem = ratingError(stars, comment.value);
      error.textContent = problem ? t(problem, { max: COMMENT_MAX }) : '';
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
        if (address !== o.delivery.email) {
          // A new address: given as the visitor's own first (identify), then the transcript goes there.
          const answer = await o.post('/api/widget/session', { site_key: o.siteKey, visitor_token: o.delivery.token, identify: { email: address } });
          o.delivery.email = answer.visitor?.email;
        }
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
