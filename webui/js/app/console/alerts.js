// Alerts that reach an agent: a WebAudio chime, desktop notifications, the tab title count and blink.
import {
  alertChannels, alertKey, blinkTitle, ChimeElection, notificationState, SoundGate, soundAction, soundState,
} from '../../console/alerts-policy.js';
import { previewText, visitorName } from '../../console/present.js';
import { formatList } from '../../i18n.js';

const MUTE_KEY = 'kefu.console.muted';
const WATCH_KEY = 'kefu.console.watchQueue';
const BLINK_MS = 1000;
const NEW_CHAT = [[660, 0], [880, 0.16], [1175, 0.32]];
const TONES = {
  routed: NEW_CHAT, chat: NEW_CHAT, watched: [[880, 0], [1175, 0.14]], message: [[880, 0], [660, 0.12]],
  transferred: [[660, 0], [880, 0.16]], pending: [[1175, 0], [880, 0.16], [1175, 0.32]],
  note: [[1175, 0], [880, 0.12]],
};
const CATCH_UP_PARTS = ['routed', 'transferred', 'messages'];

function readFlag(key) {
  try { return localStorage.getItem(key) === '1'; } catch { return false; }
}

function writeFlag(key, value) {
  try { localStorage.setItem(key, value ? '1' : '0'); } catch { /* memory only */ }
}

/** The tabs of one agent in this browser, to agree on which of them alerts (`ChimeElection`). */
function tabsChannel(name) {
  try { return typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null; } catch { return null; }
}

/** A `catchUp` alert's sound: a new chat's when it gave me a chat, else a message's. */
function toneOf(alert) {
  if (alert.kind !== 'catchUp') return alert.kind;
  return alert.counts.routed || alert.counts.transferred ? 'routed' : 'message';
}

/**
 * `fire(alert, conversation, {activeId})` plays a short chime and shows a desktop notification
 * when they help, in one of the agent's tabs (`channel` names what they share); `setCount(n)` keeps
 * "(n) Kefu 客服" in the title, blinking while the tab is hidden. `sound()` says truthfully whether
 * a chime would play (browsers block audio until the page is used).
 */
export function createAlerts({ t, onOpen, channel = 'kefu.console.alerts' }) {
  const gate = new SoundGate();
  const tabs = tabsChannel(channel);
  const election = new ChimeElection({
    tabId: `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`,
    post: (data) => { try { tabs?.postMessage(data); } catch { /* this tab alone then */ } },
  });
  tabs?.addEventListener('message', (event) => election.heard(event.data));
  const Context = window.AudioContext || window.webkitAudioContext;
  let audio = null;
  let muted = readFlag(MUTE_KEY);
  let watchQueue = readFlag(WATCH_KEY);
  let count = 0;
  let hidden = document.hidden;
  let focused = document.hasFocus();
  let tick = 0;
  let blinker = null;
  const listeners = new Set();

  const notify = () => listeners.forEach((listener) => listener());

  /**
   * Browsers let audio start only after the page was used (a click, a key): the context is created
   * at once (so we know whether it may play), and resumed on every gesture until it runs.
   */
  function unlock() {
    if (!Context) return;
    try {
      if (!audio) {
        audio = new Context();
        audio.addEventListener('statechange', notify);
      }
      if (audio.state === 'suspended') audio.resume().catch(() => {});
    } catch {
      audio = null;
    }
  }
  for (const type of ['pointerdown', 'keydown', 'touchstart']) {
    window.addEventListener(type, unlock, { capture: true, passive: true });
  }
  unlock(); // runs at once where the browser allows it (an engaged site, a desktop window)

  function chime(kind) {
    if (!audio || audio.state !== 'running') return;
    const start = audio.currentTime + 0.01;
    for (const [frequency, offset] of TONES[kind] || TONES.message) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.25);
    }
  }

  /** A notification's title and text: what happened, and the message (or, catching up, how much). */
  function notificationText(alert, conversation) {
    const name = visitorName(conversation?.visitor, t);
    if (alert.kind === 'catchUp') {
      const parts = CATCH_UP_PARTS.filter((part) => alert.counts[part] > 0)
        .map((part) => t(`console.alert.catchUp.${part}`, { count: alert.counts[part] }));
      return { title: t('console.alert.catchUp'), body: formatList(parts), tag: 'kefu-catch-up' };
    }
    const title = t(`console.alert.${alert.kind}`, { name, author: alert.message?.sender?.name || '' });
    const message = alert.message || conversation?.last_message || null;
    return { title, body: message ? previewText(message, t) : '', tag: `kefu-${alert.conversationId}` };
  }

  function showNotification(alert, conversation) {
    if (notificationState(window.Notification, window.isSecureContext) !== 'granted') return;
    const { title, body, tag } = notificationText(alert, conversation);
    try {
      const note = new Notification(title, { body, tag, silent: true });
      note.addEventListener('click', () => {
        window.focus();
        onOpen(alert.conversationId);
        note.close();
      });
    } catch {
      // Some platforms only allow notifications from a service worker; the title and sound still work.
    }
  }

  function drawTitle() {
    document.title = blinkTitle({ count, appName: t('app.name'), flashText: t('console.alert.flash'), hidden, tick });
  }

  function updateBlink() {
    const should = hidden && count > 0;
    if (should && !blinker) {
      blinker = setInterval(() => {
        tick += 1;
        drawTitle();
      }, BLINK_MS);
    } else if (!should && blinker) {
      clearInterval(blinker);
      blinker = null;
      tick = 0;
    }
    drawTitle();
  }

  return {
    fire(alert, conversation, { activeId }) {
      const channels = alertChannels(alert, { activeId, hidden, focused });
      if (!channels.sound && !channels.notify) return;
      election.propose(alertKey(alert, conversation), () => {
        if (channels.sound && gate.allow(muted)) chime(toneOf(alert));
        if (channels.notify) showNotification(alert, conversation);
      });
    },
    setCount(next) {
      if (next === count) return;
      count = next;
      updateBlink();
    },
    /** Whether the tab is hidden, and whether its window has the focus (else nobody reads it). */
    setAttention(nextHidden, nextFocused) {
      hidden = nextHidden;
      focused = nextFocused;
      updateBlink();
    },
    /** Redraw the title (after a language switch). */
    refresh: drawTitle,
    get muted() { return muted; },
    /** 'on' (a chime would play), 'blocked' (not until the page is clicked), 'off' or 'unsupported'. */
    sound: () => soundState({ supported: Boolean(Context), muted, running: audio?.state === 'running' }),
    /** The sound switch was clicked while showing `shown`: enable audio, mute or unmute. */
    soundClicked(shown) {
      const action = soundAction(shown);
      if (action === 'mute' || action === 'unmute') {
        muted = action === 'mute';
        writeFlag(MUTE_KEY, muted);
      }
      unlock();
      if (!muted && audio) {
        // Confirm with a chime once audio runs (resume() may still be settling).
        const play = () => chime('message');
        if (audio.state === 'running') play();
        else audio.resume().then(play, () => {});
      }
      notify();
    },
    /** Supervisors: alerts for every new chat, not only those routed to them. */
    get watchQueue() { return watchQueue; },
    toggleWatchQueue() {
      watchQueue = !watchQueue;
      writeFlag(WATCH_KEY, watchQueue);
      notify();
      return watchQueue;
    },
    permission: () => notificationState(window.Notification, window.isSecureContext),
    async requestPermission() {
      unlock();
      if (this.permission() === 'ask') {
        try { await Notification.requestPermission(); } catch { /* old callback-only API: ignore */ }
      }
      notify();
      return this.permission();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
