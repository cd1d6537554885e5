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

/**
 * Alt+1, Alt+2, Alt+3: insert the first, second or third suggested answer → 0, 1 or 2, else null.
 * Read from `code` as well, since Alt+digit types another character on some keyboards (macOS).
 */
export function suggestionIndexFor(event) {
  const { key, code = '', altKey = false, ctrlKey = false, metaKey = false, shiftKey = false } = event;
  if (!altKey || ctrlKey || metaKey || shiftKey) return null;
  const digit = /^Digit([1-3])$/.exec(code)?.[1] ?? /^Numpad([1-3])$/.exec(code)?.[1] ?? (/^[1-3]$/.test(key) ? key : null);
  return digit === null ? null : Number(digit) - 1;
}
