// Import and export (#/kb/import, owners and admins): CSV/XLSX/JSONL with append or replace, a check-only run, broken rows by number.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { clearFormError, errorBox, field, select, setBusy, showFormError } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { IMPORT_FORMATS, importPath, rowErrorField } from '../../kb/entries.js';
import { openDialog } from '../dialog.js';
import { button, emptyState, page, section } from './common.js';
import { kbHeader, loadKb } from './kb-common.js';

function brokenRows(errors) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-test': 'kb-import-errors' },
    h('thead', {}, h('tr', {}, h('th', {}, t('kb.import.row')), h('th', {}, t('kb.import.problem')))),
    h('tbody', {}, errors.map((error) => h('tr', { 'data-test': 'kb-import-error', 'data-row': String(error.row) },
      h('td', { class: 'mono' }, t('kb.import.rowNumber', { row: error.row })), h('td', {}, rowProblem(error.message)))))));
}

/** A broken row's problem: the server's words in English, the field's rule in Chinese. */
function rowProblem(message) {
  const field = rowErrorField(message);
  return getLanguage() === 'en' || !field ? message : t(`error.invalid.${field}`);
}

/** What an import (or its check) answered, in words and with the broken rows. */
function outcome(result, { dryRun, refused = false }) {
  const errors = result.errors || [];
  if (errors.length) {
    return h('div', { class: 'alert alert-error', role: 'alert', 'data-test': 'kb-import-result', 'data-outcome': 'broken' },
      h('p', {}, t(refused || !dryRun ? 'kb.import.refused' : 'kb.import.checkedBroken', { count: errors.length, valid: result.valid })),
      brokenRows(errors));
  }
  if (dryRun) {
    return h('div', { class: 'alert alert-info', role: 'status', 'data-test': 'kb-import-result', 'data-outcome': 'checked' },
      t(result.valid ? 'kb.import.checked' : 'kb.import.empty', { count: result.valid }));
  }
  return h('div', { class: 'alert alert-info', role: 'status', 'data-test': 'kb-import-result', 'data-outcome': 'imported' },
    t('kb.import.done', { count: result.imported }));
}

function progressBar() {
  const bar = h('progress', { max: '100', 'data-test': 'kb-import-progress' });
  const label = h('span', { class: 'muted' });
  const element = h('div', { class: 'kb-progress', hidden: true, role: 'status' }, bar, label);
  return {
    element,
    sending(sent, total) {
      element.hidden = false;
      if (total > 0 && sent < total) {
        bar.value = Math.round((sent / total) * 100);
        label.textContent = t('kb.import.uploading', { percent: Math.round((sent / total) * 100) });
      } else {
        bar.removeAttribute('value'); // indeterminate: the server is checking the rows
        label.textContent = t('kb.import.checking');
      }
    },
    done() {
      element.hidden = true;
    },
  };
}

function importForm(ctx, kb) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.xlsx,.jsonl,.json,text/csv', 'data-test': 'kb-import-file' });
  const format = select({ name: 'format', 'data-test': 'kb-import-format' },
    [['', t('kb.import.format.auto')], ...IMPORT_FORMATS.map((name) => [name, name.toUpperCase()])], '');
  const mode = select({ name: 'mode', 'data-test': 'kb-import-mode' },
    [['append', t('kb.import.mode.append')], ['replace', t('kb.import.mode.replace')]], 'append');
  const dryRun = h('input', { type: 'checkbox', name: 'dry_run', value: '1', 'data-test': 'kb-import-dry-run' });
  const submit = button(t('kb.import.submit'), null, { kind: 'primary', type: 'submit', test: 'kb-import-submit' });
  const progress = progressBar();
  const result = h('div', { class: 'kb-import-result' });
  const form = h('form', { class: 'form', novalidate: true, 'data-test': 'kb-import-form' },
    errorBox(),
    h('div', { class: 'form-grid' },
      field({ label: t('kb.import.file'), hint: t('kb.import.file.hint'), control: file, wide: true }),
      field({ label: t('kb.import.format'), control: format }),
      field({ label: t('kb.import.mode'), hint: t('kb.import.mode.hint'), control: mode }),
      h('div', { class: 'field field-wide' }, h('label', { class: 'check-field' }, dryRun, ' ', t('kb.import.dryRun')))),
    h('div', { class: 'form-actions' }, submit), progress.element, result);

  const send = (chosen, options) => ctx.api.uploadWithProgress(importPath(kb.company.id, options), chosen,
    (sent, total) => progress.sending(sent, total));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormError(form);
    result.replaceChildren();
    const chosen = file.files[0];
    if (!chosen) {
      showFormError(form, t('kb.import.noFile'), 'file');
      return;
    }
    const options = { format: format.value, mode: mode.value, dryRun: dryRun.checked };
    if (options.mode === 'replace' && !options.dryRun && !(await openDialog({
      title: t('kb.import.replaceTitle'), message: t('kb.import.replaceConfirm'), okLabel: t('kb.import.replaceOk'), danger: true,
    }))) return;
    setBusy(submit, true);
    progress.sending(0, chosen.size); // shown at once: a big file on a slow link says it is on its way
    try {
      const answer = await send(chosen, options);
      result.replaceChildren(outcome(answer, { dryRun: options.dryRun }));
      if (!options.dryRun) ctx.notify(t('kb.import.done', { count: answer.imported }));
    } catch (error) {
      // Broken rows refuse the whole file; a check-only run lists them by number.
      const rows = error.field === 'file' && error.status === 400 && !options.dryRun
        ? await send(chosen, { ...options, dryRun: true }).catch(() => null) : null;
      if (rows?.errors?.length) result.replaceChildren(outcome(rows, { dryRun: false, refused: true }));
      else showFormError(form, importError(error), error.field === 'format' || error.field === 'mode' ? error.field : 'file');
    } finally {
      progress.done();
      setBusy(submit, false);
    }
  });
  return form;
}

/** A refused file in the UI's words (the server's sentence in English). */
function importError(error) {
  if (error.field === 'file' && error.status === 400) {
    return t('kb.import.unreadable', { reason: getLanguage() === 'en' ? error.message || '' : '' }).trim();
  }
  return errorMessage(error, t);
}

function exportLinks(kb) {
  return h('div', { class: 'row-actions' }, ['csv', 'xlsx', 'jsonl'].map((format) => h('a', {
    class: 'button', href: `/api/companies/${kb.company.id}/kb/export?format=${format}`, download: '',
    'data-test': `kb-export-${format}`,
  }, t('kb.export.as', { format: format.toUpperCase() }))));
}

export async function kbImportView(ctx) {
  const kb = await loadKb(ctx);
  if (!kb.manager || !kb.company) {
    return page(kbHeader(ctx, kb, 'kb-import'), emptyState(t(kb.company ? 'kb.readOnly' : 'kb.noCompany'), null, { icon: 'chat' }));
  }
  return page(
    kbHeader(ctx, kb, 'kb-import'),
    section(t('kb.import.title'), importForm(ctx, kb), { description: t('kb.import.lead'), test: 'kb-import' }),
    section(t('kb.export.title'), exportLinks(kb), { description: t('kb.export.lead'), test: 'kb-export' }));
}
