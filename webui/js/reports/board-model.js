// The live board without the DOM: the watch over the console socket, the live wait, today against last week.

/**
 * Keeps one `board_watch` on the console socket (protocol.md): sends it when watching starts and
 * after every reconnect, stops it when the board closes, and hands `board` frames (and refusals of
 * the watch) to the listener. `send(frame)` returns false while the socket is down.
 */
export class BoardWatch {
  constructor(send) {
    this.send = send;
    this.spec = null;
    this.listener = null;
    this.token = 0;
  }

  /**
   * Watch `{companyId, siteId}` (replacing any watch before); `listener({board})` or
   * `listener({error})` on each frame. Returns the token `stop` needs.
   */
  watch({ companyId, siteId = null }, listener) {
    this.spec = { companyId, siteId };
    this.listener = listener;
    this.token += 1;
    this.sendWatch();
    return this.token;
  }

  sendWatch() {
    if (!this.spec) return false;
    return this.send({ type: 'board_watch', company_id: this.spec.companyId, site_id: this.spec.siteId, watch: true });
  }

  /** Stop the watch `token` started; a later watch (another company, the page opened again) is left alone. */
  stop(token) {
    if (!this.spec || token !== this.token) return;
    this.send({ type: 'board_watch', company_id: this.spec.companyId, site_id: this.spec.siteId, watch: false });
    this.spec = null;
    this.listener = null;
  }

  /** After a (re)connect the new socket watches nothing: ask again. */
  hello() {
    this.sendWatch();
  }

  /** Take a frame meant for the board; false for any other frame. */
  handle(frame) {
    if (frame?.type === 'board') {
      if (this.listener && this.spec && frame.board?.company_id === this.spec.companyId) this.listener({ board: frame.board });
      return true;
    }
    if (frame?.type === 'error' && frame.request === 'board_watch') {
      this.listener?.({ error: frame.error || {} });
      return true;
    }
    return false;
  }
}

/** Seconds the longest-waiting chat has waited at `now` (counted on between frames), or 0. */
export function liveWait(queue, now = Date.now()) {
  const since = queue?.oldest_queued_at ? Date.parse(queue.oldest_queued_at) : NaN;
  if (!Number.isFinite(since)) return Math.max(0, Number(queue?.longest_wait_seconds) || 0);
  return Math.max(0, Math.round((now - since) / 1000), Number(queue?.longest_wait_seconds) || 0);
}

/**
 * Today against the same weekday last week, like with like: last week up to the same local hour
 * where the board has that (`last_week_until_now`), else last week's whole day (`wholeDay`, no change
 * given: the day is not over). `[{key, today, lastWeek, change, wholeDay}]`, `change` a ratio
 * (+0.25 = a quarter more) or null.
 */
export function comparisons(board) {
  const until = board?.last_week_until_now || {};
  const today = board?.today || {};
  const lastWeek = board?.last_week || {};
  return ['chats', 'missed', 'visits', 'leads'].filter((key) => key in today).map((key) => {
    const now = Number(today[key]) || 0;
    const wholeDay = !(key in until);
    const before = Number(wholeDay ? lastWeek[key] : until[key]) || 0;
    return { key, today: now, lastWeek: before, wholeDay, change: !wholeDay && before > 0 ? (now - before) / before : null };
  });
}

/** Agents as the board lists them: at work first (online, busy, away, offline), then by load, then name. */
export function boardAgents(agents) {
  const order = { online: 0, busy: 1, away: 2, offline: 3 };
  return [...(agents || [])].sort((a, b) => (order[a.status] ?? 4) - (order[b.status] ?? 4)
    || (Number(b.load) || 0) - (Number(a.load) || 0) || String(a.name).localeCompare(String(b.name)));
}

/** How many agents are at work (online or busy) on the board. */
export function agentsAtWork(agents) {
  return (agents || []).filter((agent) => agent.status === 'online' || agent.status === 'busy').length;
}

/** The local hour (0–23) of `at` in `timeZone` (UTC when the zone is unknown): today's hours after it have not happened. */
export function localHour(at, timeZone) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return 23;
  let format;
  try {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: timeZone || 'UTC', hour: '2-digit', hourCycle: 'h23' });
  } catch {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', hourCycle: 'h23' });
  }
  return Number(format.format(date)) % 24;
}

/** Today's counts per hour up to the board's current hour; later hours are null (not yet, rather than none). */
export function hoursSoFar(counts, board) {
  const now = localHour(board?.at, board?.timezone);
  return Array.from({ length: 24 }, (_, hour) => (hour <= now ? Number(counts?.[hour]) || 0 : null));
}
