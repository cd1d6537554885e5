// The live visitor table: windowed rows (only those in view exist), reused by visitor id and patched in place.
// On narrow screens (phones) each row is a card (console-visitors.css) with its own invite button.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { readableUrl } from '../../console/visitor-info.js';
import { deviceLine, durationText, placeText, SORT_KEYS } from '../../console/live-visitors.js';

/** Row height in px (kept in step with .vt-row in console-visitors.css) and rows drawn beyond the view. */
export const ROW_HEIGHT = 48;
/** On narrow screens: a card's height plus the gap below it (.vt-row in the narrow media query). */
export const CARD_HEIGHT = 140;
export const NARROW = '(max-width: 760px)';
const OVERSCAN = 6;

/** Set a text only when it changed: a patched row costs a comparison per cell, not a layout. */
function put(node, value) {
  const next = value ?? '';
  if (node.kefuText !== next) {
    node.kefuText = next;
    node.textContent = next;
  }
}

function putAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function makeRow(onOpen, onInvite) {
  const cell = (name, ...children) => h('span', { class: `vt-cell vt-${name}`, role: 'gridcell' }, children);
  const parts = {
    site: h('span', { class: 'vt-site-name' }),
    title: h('span', { class: 'vt-title', 'data-test': 'visitor-title' }),
    url: h('span', { class: 'vt-url muted' }),
    kind: h('span', { class: 'vt-kind', 'data-test': 'visitor-source' }),
    keyword: h('span', { class: 'vt-keyword', 'data-test': 'visitor-keyword' }),
    place: h('span', {}),
    device: h('span', { 'data-test': 'visitor-device' }),
    time: h('span', { 'data-test': 'visitor-time' }),
    pages: h('span', { 'data-test': 'visitor-pages' }),
    state: h('span', { class: 'badge', 'data-test': 'visitor-state' }),
    returning: h('span', {}),
    name: h('span', { 'data-test': 'visitor-name' }),
    anonymous: h('span', { class: 'vt-anonymous muted' }),
    invite: h('button', { type: 'button', class: 'button button-small button-primary vt-invite-button', 'data-test': 'visitor-card-invite' },
      t('visitors.invite')),
  };
  parts.invite.addEventListener('click', (event) => {
    event.stopPropagation();
    if (row.kefuVisitor) onInvite(row.kefuVisitor);
  });
  parts.invite.addEventListener('keydown', (event) => event.stopPropagation());
  const row = h('div', { class: 'vt-row', role: 'row', tabindex: '0', 'data-test': 'visitor-row' },
    cell('site', parts.site),
    cell('page', parts.title, parts.url),
    cell('source', parts.kind, parts.keyword),
    cell('place', parts.place),
    cell('device', parts.device),
    cell('time', parts.time),
    cell('pages', parts.pages),
    cell('state', parts.state),
    cell('returning', parts.returning),
    cell('name', parts.name, parts.anonymous),
    cell('invite', parts.invite));
  row.kefuParts = parts;
  row.kefuIndex = -1;
  row.kefuVisitor = null;
  row.addEventListener('click', () => row.kefuVisitor && onOpen(row.kefuVisitor.id));
  row.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && row.kefuVisitor) {
      event.preventDefault();
      onOpen(row.kefuVisitor.id);
    }
  });
  return row;
}

function sourceKind(source) {
  const kind = source?.kind || 'direct';
  const name = typeof source?.name === 'string' ? source.name : '';
  return name ? `${t(`visitors.source.${kind}`)} · ${name}` : t(`visitors.source.${kind}`);
}

/** Every visitor-supplied text goes in with textContent (put), never as markup. */
function fill(row, visitor, siteName) {
  const p = row.kefuParts;
  row.dataset.id = String(visitor.id);
  row.dataset.state = visitor.state;
  put(p.site, siteName(visitor.site_id));
  const title = typeof visitor.page?.title === 'string' ? visitor.page.title : '';
  const url = readableUrl(visitor.page?.url);
  put(p.title, title || url);
  put(p.url, title ? url : '');
  putAttr(row.children[1], 'title', url);
  put(p.kind, sourceKind(visitor.source));
  put(p.keyword, typeof visitor.source?.keyword === 'string' ? visitor.source.keyword : '');
  put(p.place, placeText(visitor.place));
  put(p.device, deviceLine(visitor.device, t));
  put(p.pages, String(visitor.page_count ?? ''));
  put(p.state, t(`visitors.state.${visitor.state}`));
  putAttr(p.state, 'class', `badge vt-state-${visitor.state}`);
  p.state.dataset.state = visitor.state;
  put(p.returning, visitor.returning ? t('visitors.returning', { n: visitor.visit_number }) : t('visitors.new'));
  const name = typeof visitor.name === 'string' ? visitor.name : '';
  put(p.name, name);
  // The card names everyone: a visitor without a name by their number (the table leaves it blank).
  put(p.anonymous, name ? '' : t('visitors.visitorNumber', { id: visitor.id }));
  p.invite.hidden = visitor.state !== 'browsing';
}

/**
 * `onOpen(id)` opens a visitor's details; `onInvite(visitor)` invites them (the card's button);
 * `secondsOnSite(id, now)` their time on the site (frozen once they left), null if not known;
 * `siteName(id)`; `sort` `{key, descending}` and `onSort(sort)` for the header. Returns
 * `{element, render(rows), tick(), setSort(sort), setSelected(id)}`.
 */
export function createVisitorTable({ onOpen, onInvite, secondsOnSite, siteName, sort, onSort }) {
  const spacer = h('div', { class: 'vt-spacer' });
  const viewport = h('div', { class: 'vt-viewport', role: 'rowgroup', 'data-test': 'visitor-rows' }, spacer);
  const headCells = new Map();
  const head = h('div', { class: 'vt-head vt-row', role: 'row' }, SORT_KEYS.map((key) => {
    const label = h('button', { type: 'button', class: 'vt-sort', 'data-test': `visitor-sort-${key}`,
      onclick: () => onSort({ key, descending: sort.key === key ? !sort.descending : key === 'time' || key === 'pages' }) },
    t(`visitors.col.${key}`));
    const cell = h('span', { class: `vt-cell vt-${key}`, role: 'columnheader' }, label);
    headCells.set(key, cell);
    return cell;
  }));
  const element = h('div', { class: 'vt', role: 'grid', 'aria-label': t('visitors.title'), 'data-test': 'visitor-table' },
    head, viewport);
  const shown = new Map();
  const spare = [];
  let rows = [];
  let selected = null;
  let scrollFrame = 0;
  const narrow = window.matchMedia(NARROW);
  let rowHeight = narrow.matches ? CARD_HEIGHT : ROW_HEIGHT;
  element.classList.toggle('is-cards', narrow.matches);
  narrow.addEventListener('change', () => {
    rowHeight = narrow.matches ? CARD_HEIGHT : ROW_HEIGHT;
    element.classList.toggle('is-cards', narrow.matches);
    for (const row of shown.values()) row.kefuIndex = -1; // placed again at the new height
    draw();
  });

  viewport.addEventListener('scroll', () => {
    scrollFrame ||= requestAnimationFrame(() => {
      scrollFrame = 0;
      // The header is outside the scrolled rows: it follows them sideways.
      const shift = `translateX(${-viewport.scrollLeft}px)`;
      if (head.style.transform !== shift) head.style.transform = shift;
      draw();
    });
  }, { passive: true });

  function drawSort() {
    for (const [key, cell] of headCells) {
      cell.setAttribute('aria-sort', key === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
  }

  function draw() {
    const height = `${rows.length * rowHeight}px`;
    if (spacer.style.height !== height) spacer.style.height = height;
    element.setAttribute('aria-rowcount', String(rows.length + 1));
    const top = viewport.scrollTop;
    const view = viewport.clientHeight || 640;
    const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + view) / rowHeight) + OVERSCAN);
    const keep = new Set();
    for (let index = first; index < last; index += 1) {
      const visitor = rows[index];
      keep.add(visitor.id);
      let row = shown.get(visitor.id);
      if (!row) {
        row = spare.pop() || makeRow(onOpen, onInvite);
        shown.set(visitor.id, row);
        row.hidden = false;
        if (!row.isConnected) viewport.append(row);
      }
      if (row.kefuIndex !== index) {
        row.kefuIndex = index;
        row.style.transform = `translateY(${index * rowHeight}px)`;
        row.setAttribute('aria-rowindex', String(index + 2));
      }
      if (row.kefuVisitor !== visitor) {
        row.kefuVisitor = visitor;
        fill(row, visitor, siteName);
      }
      row.classList.toggle('is-selected', visitor.id === selected);
    }
    for (const [id, row] of shown) {
      if (keep.has(id)) continue;
      shown.delete(id);
      row.hidden = true;
      delete row.dataset.id;
      row.kefuVisitor = null;
      row.kefuIndex = -1;
      spare.push(row);
    }
    tick();
  }

  /** The time on site of the rows in view (once a second; frozen for those who left). */
  function tick(now = Date.now()) {
    for (const row of shown.values()) {
      const seconds = secondsOnSite(row.kefuVisitor.id, now);
      put(row.kefuParts.time, seconds === null ? '' : durationText(seconds));
    }
  }

  drawSort();
  return {
    element,
    render(next) {
      rows = next;
      draw();
    },
    tick,
    setSort(next) {
      sort = next;
      drawSort();
    },
    setSelected(id) {
      selected = id;
      for (const row of shown.values()) row.classList.toggle('is-selected', row.kefuVisitor?.id === id);
    },
    /** Rows drawn now (the window), for tests and the bench. */
    drawnCount: () => shown.size,
  };
}
