// Report tables beside every chart: the rows as an HTML table, and the same rows as a CSV download.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { csvRows, toCsv } from './csv.js';
import { saveBlob } from './download.js';

/**
 * `<table>` of `items` by `columns` (`[{key, label, value?, text?, numeric?}]`): each cell shows
 * `text(raw, item)` (else the raw value) and keeps the raw value in `data-value`, the one its CSV holds.
 */
export function dataTable({ columns, items, caption = null, test = null }) {
  const raw = (column, item) => (column.value ? column.value(item) : item[column.key]);
  return h('table', { class: 'table report-data', 'data-test': test },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col', class: column.numeric ? 'num' : null }, column.label)))),
    h('tbody', {}, items.map((item) => h('tr', {}, columns.map((column, i) => {
      const value = raw(column, item);
      const text = column.text ? column.text(value, item) : value ?? '—';
      const cell = i === 0 ? h('th', { scope: 'row' }, String(text)) : h('td', {}, String(text));
      cell.dataset.label = column.label;
      if (value !== null && value !== undefined) cell.dataset.value = String(value);
      if (column.numeric) cell.classList.add('num');
      return cell;
    })))));
}

/** A button that downloads `items` by `columns` as CSV (built here, in the browser). */
export function csvButton({ fileName, columns, items, test = null }) {
  return h('button', { type: 'button', class: 'button button-small', 'data-test': test,
    onclick: () => saveBlob(fileName, new Blob([toCsv(csvRows(columns, items))], { type: 'text/csv;charset=utf-8' })) }, t('reports.csv'));
}

/**
 * One block of a report: heading, the chart (an SVG, or nothing), the data table beside it and a
 * CSV download of that table. Empty data shows a line saying so instead of an empty chart.
 */
export function reportBlock({ title, chart = null, columns, items, fileName, test, wide = false, note = null }) {
  const empty = !items.length;
  return h('figure', { class: `report-block${wide ? ' report-block-wide' : ''}`, 'data-test': test },
    h('figcaption', { class: 'report-block-head' },
      h('h3', {}, title),
      empty ? null : csvButton({ fileName, columns, items, test: `${test}-csv` })),
    note ? h('p', { class: 'muted report-note' }, note) : null,
    empty ? h('p', { class: 'muted' }, t('reports.empty'))
      : h('div', { class: 'report-block-body' },
        chart ? h('div', { class: 'chart-box' }, chart) : null,
        h('div', { class: 'table-wrap report-table-box' }, dataTable({ columns, items, caption: title, test: `${test}-table` }))));
}
