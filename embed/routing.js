// What the visitor sees of routing: the question categories to choose from and their place in the queue.

/** The session's `site.categories`, checked: [{id, name}] with whole-number ids and short names. */
export function siteCategories(value) {
  const seen = new Set();
  const categories = [];
  for (const c of Array.isArray(value) ? value : []) {
    if (!c || !Number.isInteger(c.id) || c.id < 1 || seen.has(c.id) || typeof c.name !== 'string') continue;
    const name = c.name.trim().slice(0, 60);
    if (!name) continue;
    seen.add(c.id);
    categories.push({ id: c.id, name });
  }
  return categories.slice(0, 20);
}

/**
 * A `queue` frame or the session's `queue`, checked: {position (1: next in line), minutes} or
 * null when the visitor is not waiting.
 */
export function queuePlace(value) {
  if (!value || !Number.isInteger(value.position) || value.position < 1) return null;
  const seconds = Number(value.estimated_wait_seconds);
  const minutes = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds / 60) : 0;
  return { position: value.position, minutes };
}

/** The queue line: the visitors ahead (position − 1) and, when known, the wait in minutes. */
export function queueText(t, place) {
  const ahead = place.position - 1;
  const line = t(ahead === 0 ? 'queue_next' : ahead === 1 ? 'queue_one' : 'queue_ahead', { ahead });
  return place.minutes ? `${line}${t('queue_wait', { minutes: place.minutes })}` : line;
}
