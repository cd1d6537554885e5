// Form building blocks shared by every page: labelled fields, the error box, busy buttons.
import { h } from './dom.js';
import { t } from './i18n.js';

let fieldCounter = 0;

/** A unique element id for a label/input pair. */
export function fieldId(name) {
  fieldCounter += 1;
  return `f-${String(name).replace(/[^\w-]/g, '-')}-${fieldCounter}`;
}

/** `<div class="field"><label for>…</label>{control}<p class="hint"></p></div>`. */
export function field({ label, control, hint = null, wide = false }) {
  if (!control.id) control.id = fieldId(control.name || 'field');
  const hintNode = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return h('div', { class: wide ? 'field field-wide' : 'field' },
    h('label', { for: control.id }, label), control, hintNode);
}

export function input(props) {
  return h('input', { type: 'text', ...props });
}

/** `<select>` from `[value, label]` pairs. */
export function select(props, options, selected) {
  return h('select', props, options.map(([value, label]) =>
    h('option', { value, selected: value === selected }, label)));
}

/** The form's error box: hidden until there is something to say. */
export function errorBox() {
  return h('div', { class: 'alert alert-error', 'data-test': 'error', role: 'alert', hidden: true });
}

/** Show `message` in the form's error box and mark (and focus) the field named `fieldName`. */
export function showFormError(form, message, fieldName = null) {
  clearFormError(form);
  const box = form.querySelector('[data-test="error"]');
  if (box) {
    box.textContent = message;
    box.hidden = false;
  }
  const control = fieldName ? form.querySelector(`[name="${CSS.escape(fieldName)}"]`) : null;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.closest('.field')?.classList.add('has-error');
    control.focus();
  } else if (box) {
    box.scrollIntoView({ block: 'nearest' });
  }
}

export function clearFormError(form) {
  const box = form.querySelector('[data-test="error"]');
  if (box) {
    box.hidden = true;
    box.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    control.closest('.field')?.classList.remove('has-error');
  }
}

/** Show the first client-side validation failure; returns true when the form is valid. */
export function reportValidation(form, failures, fieldFor = (name) => name) {
  if (!failures.length) {
    clearFormError(form);
    return true;
  }
  const [first] = failures;
  showFormError(form, t(first.key, first.params), fieldFor(first.field));
  return false;
}

/** Disable a submit button while a request runs, keeping its width stable. */
export function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  button.classList.toggle('is-busy', busy);
}

/** Read named controls of a form into a plain object (checkboxes by name into arrays). */
export function formValues(form) {
  const values = {};
  for (const control of form.elements) {
    if (!control.name || (control.disabled && control.type !== 'hidden')) continue;
    if (control.type === 'checkbox') {
      values[control.name] ??= [];
      if (control.checked) values[control.name].push(control.value);
    } else {
      values[control.name] = control.value;
    }
  }
  return values;
}
