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
 * conversation the agent is looking at (tab visible) gets neither; a new chat always gets both.
 */
export function alertChannels(alert, { activeId, hidden }) {
  const inFront = !hidden && alert.conversationId === activeId;
  if (alert.kind === 'message' && inFront) return { sound: false, notify: false };
  return { sound: true, notify: hidden || alert.kind !== 'message' || alert.conversationId !== activeId };
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
