// Modal dialogs on <dialog>: confirm an action (optionally with fields) and show its errors in place.
import { h } from '../dom.js';
import { errorMessage } from '../errors.js';
import { errorBox, formValues, reportValidation, setBusy, showFormError } from '../forms.js';
import { t } from '../i18n.js';

let dialogCounter = 0;

/**
 * Open a modal. `onConfirm(values)` runs on OK; it may return a list of validation failures
 * (`[{field, key, params}]`) or throw an ApiError, and the dialog stays open showing it.
 * Resolves true once `onConfirm` succeeded, false when cancelled.
 */
export function openDialog({ title, message = null, okLabel = t('action.ok'), danger = false,
  fields = [], onConfirm = async () => {} }) {
  dialogCounter += 1;
  const titleId = `dialog-title-${dialogCounter}`;
  const ok = h('button', {
    type: 'submit', class: `button ${danger ? 'button-danger' : 'button-primary'}`, 'data-test': 'confirm-ok',
  }, okLabel);
  const cancel = h('button', { type: 'button', class: 'button', 'data-test': 'confirm-cancel' },
    t('action.cancel'));
  const form = h('form', { class: 'dialog-form', novalidate: true },
    h('h2', { id: titleId, class: 'dialog-title' }, title),
    message ? h('p', { class: 'dialog-message' }, message) : null,
    errorBox(),
    fields,
    h('div', { class: 'dialog-actions' }, cancel, ok));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'data-test': 'dialog' }, form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let confirmed = false;
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(confirmed);
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      setBusy(ok, true);
      try {
        const failures = await onConfirm(formValues(form));
        if (Array.isArray(failures) && failures.length) {
          reportValidation(form, failures);
        } else {
          confirmed = true;
          dialog.close();
        }
      } catch (error) {
        showFormError(form, errorMessage(error, t), error.field || null);
      } finally {
        setBusy(ok, false);
      }
    });
    dialog.showModal();
    (form.querySelector('input, select, textarea') || cancel).focus();
  });
}
