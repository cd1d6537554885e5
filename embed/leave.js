// The leave-a-message form, loaded on its own when nobody can chat: outside business hours it shows them and the next opening.
import { adoptStyles, h } from './dom.js';
import { translator } from './i18n.js';
import { leaveBody, leaveErrors, leaveFieldOf, NAME_MAX } from './offline.js';

/** Also the pre-chat form's look (extras.js). */
const CSS = `
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
@media (prefers-color-scheme:dark){
.pre{border-color:#30363d}
.pre input,.leave textarea,.card textarea,.card input{background:#0d1117;color:#e6edf3;border-color:#3d444d}
.pre label,.card label{color:#9198a1}
}
`;
const styled = new WeakSet();

export function formStyles(root) {
  if (styled.has(root)) return;
  styled.add(root);
  adoptStyles(root, CSS);
}

/** Throttled (429): the form is sent again by itself after Retry-After, as it is. */
export function later(err, form) {
  return err.status === 429 && Boolean(setTimeout(() => form.isConnected && form.requestSubmit(), err.retryAfter));
}

/**
 * `o`: {view, lang, known() → {name, email, phone}, post(path, body) → Promise, changed(conversation)}.
 * Resolves with leave(on).
 */
export async function createLeave(o) {
  const t = translator((await import(`./lang-leave-${o.lang}.js`)).default);
  const { panel, list, compose } = o.view.parts;
  const known = () => o.known() || {};
  let leaveForm = null;
  formStyles(panel.getRootNode());
  const toBottom = () => { list.scrollTop = list.scrollHeight; };

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
    compose.hidden = true;
    if (on.mode === 'blocked') { // shown like nobody online, without the form (not saying why)
      leaveForm = h('p', { class: 'pre', 'data-test': 'kefu-blocked', text: t('blocked') });
      return compose.before(leaveForm);
    }
    const inputs = {};
    const errors = { contact: h('small'), form: h('small') };
    const field = (key, label, tag, props = {}) => h('label', {}, label,
      inputs[key] = h(tag, { name: key, 'data-test': `kefu-leave-${key}`, ...props }), errors[key] = h('small'));
    const submit = h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-leave-submit', text: t('leave_submit') });
    const form = h('form', { class: 'pre leave', 'data-test': 'kefu-leave-form', novalidate: true, onsubmit: send },
      intro(on),
      field('name', t('field_name'), 'input', { autocomplete: 'name', maxlength: NAME_MAX, value: known().name }),
      h('span', { class: 'sub', text: t('leave_contact') }),
      field('phone', t('leave_phone'), 'input', { type: 'tel', autocomplete: 'tel', value: known().phone }),
      field('email', t('field_email'), 'input', { type: 'email', autocomplete: 'email', value: known().email }),
      field('wechat', t('field_wechat'), 'input'),
      errors.contact,
      field('message', t('field_message'), 'textarea', { rows: 3 }),
      errors.form, submit);
    leaveForm = form;
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

  /** The form's heading; closed by the hours, hours.js adds them and the next opening under it. */
  function intro(availability) {
    const closed = availability?.open === false;
    const p = h('p', { text: t(closed ? 'closed_intro' : 'leave_intro') });
    if (closed) import('./hours.js').then((m) => p.after(...m.closedLines(availability, t, o.lang)), () => {});
    return p;
  }

  return leave;
}
