// Alert decisions without browser APIs: the tab title with its unread count, blinking, sound pacing.

/** `(3) Kefu 客服`, or just the app name when nothing is unread. */
export function titleText(count, appName) {
  if (!(count > 0)) return appName;
  return `(${count > 99 ? '99+' : count}) ${appName}`;
}

/** The title for blink step `tick`: alternates with `flashText` while the tab is hidden and something is unread. */
export function blinkTitle({ count, appName, flashText, hidden, tick }) {
  if (hidden && count > 0 && tick % 2 === 1) return flashText;
  return titleText(count, appName);
}

/** Lets a sound play at most once per `gapMs`, never while muted. */
export class SoundGate {
  constructor({ gapMs = 1500, now = () => Date.now() } = {}) {
    this.gapMs = gapMs;
    this.now = now;
    this.last = -Infinity;
  }

  allow(muted) {
    if (muted) return false;
    const now = this.now();
    if (now - this.last < this.gapMs) return false;
    this.last = now;
    return true;
  }
}

/**
 * Whether an alert deserves a sound and a desktop notification. A new visitor message in the
 * conversation the agent is reading (tab visible and the window focused) gets neither; in a window
 * that is visible but not focused (the agent works in another application) it gets both, since
 * nobody is reading it; a new chat always gets both.
 */
export function alertChannels(alert, { activeId, hidden, focused = true }) {
  const inFront = !hidden && focused && alert.conversationId === activeId;
  if ((alert.kind === 'message' || alert.kind === 'note') && inFront) return { sound: false, notify: false };
  return { sound: true, notify: true };
}

/**
 * The same alert's name in every tab of the agent: its kind, its chat and the message (or point
 * in the chat) it is about. Tabs use it to chime once between them (`ChimeElection`).
 */
export function alertKey(alert, conversation = null) {
  if (alert.key) return alert.key;
  const seq = alert.message?.seq ?? alert.seq ?? conversation?.last_seq ?? '';
  return `${alert.kind}:${alert.conversationId}:${seq}`;
}

/**
 * One chime per alert across an agent's tabs of one browser, without I/O: each tab that would
 * alert proposes the alert's key on a shared channel (`post`) and waits `delayMs`; the tab with
 * the smallest id among those that proposed it wins and announces it, and a key already won is
 * never alerted again for `memoryMs`. `heard(data)` takes the other tabs' posts.
 */
export class ChimeElection {
  constructor({
    tabId, post, delayMs = 150, memoryMs = 60000, now = () => Date.now(), later = (fn, ms) => setTimeout(fn, ms),
  }) {
    Object.assign(this, { tabId, post, delayMs, memoryMs, now, later });
    this.rivals = new Map(); // key → {tabId, at}: the smallest tab id heard proposing it
    this.done = new Map(); // key → when a tab won it
  }

  /** Run `win()` in the one tab that alerts for `key`. */
  propose(key, win) {
    this.#forget();
    if (this.done.has(key)) return;
    this.post({ key, tabId: this.tabId });
    this.later(() => {
      const rival = this.rivals.get(key);
      this.rivals.delete(key);
      if (this.done.has(key) || (rival && rival.tabId < this.tabId)) return;
      this.done.set(key, this.now());
      this.post({ key, tabId: this.tabId, won: true });
      win();
    }, this.delayMs);
  }

  heard(data) {
    if (!data || typeof data.key !== 'string' || typeof data.tabId !== 'string') return;
    if (data.won) {
      this.done.set(data.key, this.now());
      return;
    }
    const rival = this.rivals.get(data.key);
    if (!rival || data.tabId < rival.tabId) this.rivals.set(data.key, { tabId: data.tabId, at: this.now() });
  }

  #forget() {
    const now = this.now();
    for (const [key, at] of this.done) if (now - at > this.memoryMs) this.done.delete(key);
    for (const [key, { at }] of this.rivals) if (now - at > this.memoryMs) this.rivals.delete(key);
  }
}

/**
 * What the sound switch may claim. `'on'` only when a chime would really play now; `'blocked'` when
 * sound is wanted but the browser does not allow audio yet (a freshly loaded page nobody has clicked);
 * `'off'` when muted; `'unsupported'` without Web Audio.
 */
export function soundState({ supported, muted, running }) {
  if (!supported) return 'unsupported';
  if (muted) return 'off';
  return running ? 'on' : 'blocked';
}

/** What a click on the sound switch does, judged by what it showed: enable audio, mute, or unmute. */
export function soundAction(shown) {
  if (shown === 'blocked') return 'enable';
  if (shown === 'on') return 'mute';
  if (shown === 'off') return 'unmute';
  return 'none';
}

/** The desktop-notification permission button: 'ask', 'granted', 'denied' or 'unsupported'. */
export function notificationState(api, secure = true) {
  if (!api || !secure) return 'unsupported';
  if (api.permission === 'granted') return 'granted';
  if (api.permission === 'denied') return 'denied';
  return 'ask';
}
