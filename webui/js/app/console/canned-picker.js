// The canned-reply picker above the message input: a filtered list chosen with arrows + Enter or a click.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { cycle } from '../../console/keys.js';

/**
 * `show(replies, mode)` opens it (`mode` 'slash' when opened by typing "/", 'button' otherwise),
 * `move(step)`, `choose()`, `hide()`; `onChoose(reply)` inserts. `siteName(id)` labels shared ones,
 * `companyName(id)` a company's scripts.
 */
export function createCannedPicker({ onChoose, siteName, companyName = (id) => `#${id}` }) {
  const list = h('ul', { class: 'canned-list', role: 'listbox', id: 'canned-listbox', 'aria-label': t('console.canned.title') });
  const element = h('div', { class: 'canned-picker', 'data-test': 'canned-picker', hidden: true },
    h('div', { class: 'canned-head' },
      h('span', {}, t('console.canned.title')),
      h('span', { class: 'muted' }, t('console.canned.keys')),
      h('a', { href: hrefFor('canned'), class: 'canned-manage' }, t('console.canned.manage'))),
    list);
  const picker = { element, mode: null, open: false, items: [], index: 0 };

  function draw() {
    if (!picker.items.length) {
      list.replaceChildren(h('li', { class: 'canned-empty muted' }, t('console.canned.none')));
      return;
    }
    list.replaceChildren(...picker.items.map((reply, index) => {
      const shared = reply.site_id !== null && reply.site_id !== undefined;
      const script = reply.company_id !== null && reply.company_id !== undefined;
      const item = h('li', {
        class: 'canned-item', role: 'option', 'data-test': 'canned-item', 'data-shortcut': reply.shortcut,
        'aria-selected': index === picker.index ? 'true' : 'false', id: `canned-option-${index}`,
        onmousedown: (event) => event.preventDefault(),
        onclick: () => onChoose(reply),
      },
      h('span', { class: 'canned-shortcut' }, `/${reply.shortcut}`),
      h('span', { class: 'canned-body' }, reply.body),
      shared ? h('span', { class: 'badge' }, t('console.canned.sharedOn', { site: siteName(reply.site_id) })) : null,
      script ? h('span', { class: 'badge badge-script', 'data-test': 'canned-script' },
        t('canned.scriptOf', { company: companyName(reply.company_id) })) : null);
      return item;
    }));
    list.children[picker.index]?.scrollIntoView({ block: 'nearest' });
  }

  picker.show = (items, mode) => {
    const same = picker.open && picker.mode === mode && items.length === picker.items.length
      && items.every((item, index) => item === picker.items[index]);
    picker.items = items;
    picker.mode = mode;
    picker.open = true;
    if (!same) picker.index = 0;
    element.hidden = false;
    draw();
  };
  picker.hide = () => {
    picker.open = false;
    picker.mode = null;
    element.hidden = true;
  };
  picker.move = (step) => {
    picker.index = cycle(picker.index, step, picker.items.length);
    draw();
  };
  /** Insert the highlighted reply; false when there is none. */
  picker.choose = () => {
    const reply = picker.items[picker.index];
    if (!reply) return false;
    onChoose(reply);
    return true;
  };
  picker.activeId = () => (picker.open && picker.items.length ? `canned-option-${picker.index}` : null);
  return picker;
}
