// Console keyboard shortcuts: which action a key press means, and moving through a list.

/**
 * `'next'` (Alt+↓), `'previous'` (Alt+↑), `'search'` (Ctrl/⌘+K) or `'input'` (Esc), else null.
 * `event` needs only `key`, `altKey`, `ctrlKey`, `metaKey`, `shiftKey`.
 */
export function shortcutFor(event) {
  const { key, altKey = false, ctrlKey = false, metaKey = false, shiftKey = false } = event;
  if (altKey && !ctrlKey && !metaKey && !shiftKey) {
    if (key === 'ArrowDown') return 'next';
    if (key === 'ArrowUp') return 'previous';
  }
  if ((ctrlKey || metaKey) && !altKey && !shiftKey && (key === 'k' || key === 'K')) return 'search';
  if (key === 'Escape' && !altKey && !ctrlKey && !metaKey) return 'input';
  return null;
}

/** The id after (`+1`) or before (`-1`) `current` in `ids`; the first/last one when current is absent. */
export function neighbour(ids, current, step) {
  if (!ids.length) return null;
  const index = ids.indexOf(current);
  if (index < 0) return step > 0 ? ids[0] : ids[ids.length - 1];
  const next = index + step;
  return next >= 0 && next < ids.length ? ids[next] : null;
}

/** Move a highlighted index within `count` items, wrapping around. */
export function cycle(index, step, count) {
  if (count <= 0) return -1;
  return ((index + step) % count + count) % count;
}
