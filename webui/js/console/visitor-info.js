// The visitor sidebar's data without the DOM: live page updates, readable addresses, attribute labels.

/** Attributes Kefu itself stores (a left message's WeChat id, a verified user id): labelled in the catalog. */
export const KNOWN_ATTRIBUTES = ['wechat', 'user_id'];

/**
 * A `visitor` frame (protocol.md): the visitor loaded another page or said who they are. Updates the
 * details of every conversation shown for them, and the name, e-mail and phone the lists show.
 * Returns whether anything changed. Frames about visitors we show nothing of are ignored.
 */
export function followVisitor(details, store, visitor) {
  if (!visitor || !Number.isInteger(visitor.id)) return false;
  let changed = false;
  for (const [id, entry] of details) {
    if (entry?.visitor?.id !== visitor.id) continue;
    details.set(id, { ...entry, visitor: { ...entry.visitor, ...visitor } });
    changed = true;
  }
  for (const conversation of store.byId.values()) {
    const known = conversation.visitor;
    if (known?.id !== visitor.id) continue;
    const next = { ...known };
    for (const key of ['name', 'email', 'phone']) if (typeof visitor[key] === 'string') next[key] = visitor[key];
    if (['name', 'email', 'phone'].every((key) => next[key] === known[key])) continue;
    store.byId.set(conversation.id, { ...conversation, visitor: next });
    changed = true;
  }
  return changed;
}

/**
 * An address as people read it: percent-encoded characters decoded ("/%E4%BB%B7%E6%A0%BC" → "/价格"),
 * except those that would change its meaning (decodeURI keeps `%2F`, `%3F`…). Malformed encodings are
 * shown as they are. For display only; links keep the original.
 */
export function readableUrl(url) {
  if (typeof url !== 'string' || !url.includes('%')) return typeof url === 'string' ? url : '';
  try {
    const decoded = decodeURI(url);
    // Control and invisible characters stay encoded: an address must not hide what it is.
    return /[\p{Cc}\p{Cf}\s]/u.test(decoded.replace(/ /g, '')) ? url : decoded;
  } catch {
    return url;
  }
}

/** The label of a visitor attribute: ours in the UI language, a website's own as it named it. */
export function attributeLabel(key, t) {
  return KNOWN_ATTRIBUTES.includes(key) ? t(`console.attr.${key}`) : key;
}
