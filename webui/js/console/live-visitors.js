// The live visitor list without the DOM: snapshot and deltas in, filtered and sorted rows out.

export const STATES = ['browsing', 'invited', 'bot', 'waiting', 'chatting', 'left'];
export const SOURCE_KINDS = ['direct', 'search', 'paid', 'campaign', 'portal', 'social', 'website'];
/** Columns the list sorts by (api.md LiveVisitor), in display order. */
export const SORT_KEYS = ['site', 'page', 'source', 'place', 'device', 'time', 'pages', 'state', 'returning', 'name'];
const STATE_ORDER = Object.fromEntries(STATES.map((state, index) => [state, index]));

const text = (value) => (typeof value === 'string' ? value : '');

/** "Beijing Beijing" → one place name as people say it: country unless local, province, city. */
export function placeText(place) {
  if (!place || typeof place !== 'object') return '';
  const parts = [text(place.country), text(place.province), text(place.city)].filter(Boolean);
  // ip2region says 中国 for every Chinese address; the province says more.
  if (parts.length > 1 && parts[0] === '中国') parts.shift();
  return [...new Set(parts)].join(' ');
}

export const DEVICE_KINDS = ['phone', 'tablet', 'desktop'];

/**
 * "手机 · Chrome 120 · Android 14" from a LiveVisitor's (or Visit's) device: its kind worded by
 * `t` (visitors.device.<kind>) when given and known, then browser and system.
 */
export function deviceLine(device, t = null) {
  if (!device || typeof device !== 'object') return '';
  const kind = t && DEVICE_KINDS.includes(device.kind) ? t(`visitors.device.${device.kind}`) : '';
  return [kind, text(device.browser), text(device.os)].filter(Boolean).join(' · ');
}

/** Seconds as "0:42", "12:05" or "1:02:03". */
export function durationText(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** A filter as the list's controls set it: every part optional (''/null = any). */
export function normalizeFilter(filter = {}) {
  return {
    siteId: Number.isInteger(filter.siteId) ? filter.siteId : null,
    sourceKind: SOURCE_KINDS.includes(filter.sourceKind) ? filter.sourceKind : '',
    state: STATES.includes(filter.state) ? filter.state : '',
    text: text(filter.text).trim().toLowerCase(),
  };
}

/**
 * The visitors on the agent's sites now (protocol.md `visitors` / `visitors_delta`). Each visitor is
 * kept as the server sent it (replaced whole on upsert), with what sorting and filtering need
 * computed once per change. `version` moves on every change, so views redraw only when it did.
 */
export class LiveVisitorList {
  constructor() {
    this.byId = new Map();
    this.counts = {};
    this.version = 0;
    this.fromSocket = false;
    this.extra = new Map();
    this.cache = null;
  }

  get size() {
    return this.byId.size;
  }

  get(id) {
    return this.byId.get(id) || null;
  }

  /** The whole list (a `visitors` frame, or the REST snapshot before the socket's). */
  snapshot({ visitors, counts }, { socket = true } = {}) {
    if (!socket && this.fromSocket) return false; // the socket's is newer than a slow first paint
    this.fromSocket ||= socket;
    this.byId.clear();
    this.extra.clear();
    for (const visitor of Array.isArray(visitors) ? visitors : []) this.put(visitor);
    this.counts = countsFrom(counts);
    this.version += 1;
    return true;
  }

  /** A `visitors_delta` frame: returns the ids it changed or removed. */
  delta({ upsert, gone, counts }) {
    const touched = new Set();
    for (const visitor of Array.isArray(upsert) ? upsert : []) if (this.put(visitor)) touched.add(visitor.id);
    for (const id of Array.isArray(gone) ? gone : []) {
      if (this.byId.delete(id)) touched.add(id);
      this.extra.delete(id);
    }
    Object.assign(this.counts, countsFrom(counts));
    for (const [site, n] of Object.entries(this.counts)) if (!n) delete this.counts[site];
    this.version += 1;
    return touched;
  }

  /**
   * An `invitation` frame (an Invitation object): the visitor's latest invitation and state, at
   * once (the next delta says the same a moment later). Returns whether the list changed.
   */
  invitation(invitation) {
    const visitor = this.byId.get(invitation?.visitor_id);
    if (!visitor) return false;
    const latest = visitor.invitation;
    if (latest && latest.id > invitation.id) return false;
    let state = visitor.state;
    if (invitation.status === 'shown' && state === 'browsing') state = 'invited';
    else if (invitation.status !== 'shown' && state === 'invited') state = 'browsing';
    this.put({ ...visitor, state, invitation: { id: invitation.id, status: invitation.status } });
    this.version += 1;
    return true;
  }

  put(visitor) {
    if (!visitor || !Number.isInteger(visitor.id)) return false;
    this.byId.set(visitor.id, visitor);
    const page = visitor.page || {};
    this.extra.set(visitor.id, {
      started: Date.parse(visitor.visit_started_at) || 0,
      left: (visitor.state === 'left' && Date.parse(visitor.left_at)) || 0,
      haystack: `${text(page.title)}\n${text(page.url)}`.toLowerCase(),
    });
    return true;
  }

  /** When the visitor's visit started (ms), for the ticking time on site. */
  startedAt(id) {
    return this.extra.get(id)?.started ?? 0;
  }

  /**
   * Seconds on the site this visit at `now` (ms): ticking while they are here, frozen at the time
   * they stayed once they left (`left_at`); null when the visit's start is not known.
   */
  secondsOnSite(id, now = Date.now()) {
    const extra = this.extra.get(id);
    if (!extra?.started) return null;
    return Math.max(0, ((extra.left || now) - extra.started) / 1000);
  }

  /** Online visitors per site id, as the server counts them (those who left are not counted). */
  count(siteId) {
    return this.counts[String(siteId)] || 0;
  }

  /**
   * The visitors to show, in order: `filter` (normalizeFilter), `sort` `{key, descending}`,
   * `siteName(id)` for sorting by site. Cached until the list, filter or sort changes.
   */
  rows(filter, sort, siteName = (id) => String(id)) {
    const f = normalizeFilter(filter);
    const key = JSON.stringify([f, sort?.key, Boolean(sort?.descending)]);
    if (this.cache?.version === this.version && this.cache.key === key) return this.cache.rows;
    const rows = [];
    for (const visitor of this.byId.values()) if (this.matches(visitor, f)) rows.push(visitor);
    rows.sort(this.comparer(sort, siteName));
    this.cache = { version: this.version, key, rows };
    return rows;
  }

  matches(visitor, f) {
    if (f.siteId !== null && visitor.site_id !== f.siteId) return false;
    if (f.sourceKind && visitor.source?.kind !== f.sourceKind) return false;
    if (f.state && visitor.state !== f.state) return false;
    return !f.text || this.extra.get(visitor.id).haystack.includes(f.text);
  }

  comparer(sort, siteName) {
    const value = sortValue(sort?.key || 'time', this, siteName, Date.now());
    const sign = sort?.descending ? -1 : 1;
    return (a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === 'number' ? x - y : x.localeCompare(y, 'zh-CN');
      return order ? sign * order : a.id - b.id;
    };
  }
}

function sortValue(key, list, siteName, now) {
  switch (key) {
    case 'site': return (v) => siteName(v.site_id);
    case 'page': return (v) => text(v.page?.title) || text(v.page?.url);
    case 'source': return (v) => `${text(v.source?.kind)} ${text(v.source?.name)} ${text(v.source?.keyword)}`;
    case 'place': return (v) => placeText(v.place);
    case 'device': return (v) => `${DEVICE_KINDS.indexOf(v.device?.kind) + 1} ${deviceLine(v.device)}`; // phones first
    case 'pages': return (v) => Number(v.page_count) || 0;
    case 'state': return (v) => STATE_ORDER[v.state] ?? STATES.length;
    case 'returning': return (v) => Number(v.visit_number) || 0;
    case 'name': return (v) => text(v.name);
    default: return (v) => list.secondsOnSite(v.id, now) ?? 0; // time on site: ascending, the shortest first
  }
}

function countsFrom(counts) {
  const out = {};
  for (const [site, n] of Object.entries(counts && typeof counts === 'object' ? counts : {})) {
    if (Number.isInteger(n) && n >= 0) out[site] = n;
  }
  return out;
}
