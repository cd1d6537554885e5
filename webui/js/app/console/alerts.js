// Alerts that reach an agent: a WebAudio chime, desktop notifications, the tab title count and blink.
import { alertChannels, blinkTitle, notificationState, SoundGate } from '../../console/alerts-policy.js';
import { previewText, visitorName } from '../../console/present.js';

const MUTE_KEY = 'kefu.console.muted';
const BLINK_MS = 1000;
const TONES = {
  chat: [[660, 0], [880, 0.16], [1175, 0.32]], message: [[880, 0], [660, 0.12]], assigned: [[660, 0], [880, 0.16]],
  pending: [[1175, 0], [880, 0.16], [1175, 0.32]],
};

function readMuted() {
  try { return localStorage.getItem(MUTE_KEY) === '1'; } catch { return false; }
}

/**
 * `fire(alert, conversation, {activeId})` plays a short chime and shows a desktop notification
 * when they help; `setCount(n)` keeps "(n) Kefu 客服" in the title, blinking while the tab is hidden.
 */
export function createAlerts({ t, onOpen }) {
  const gate = new SoundGate();
  let audio = null;
  let muted = readMuted();
  let count = 0;
  let hidden = document.hidden;
  let tick = 0;
  let blinker = null;
  const listeners = new Set();

  /** Browsers only let audio start after a user gesture: create/resume the context on the first one. */
  function unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio ??= new Context();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
    } catch {
      audio = null;
    }
  }
  for (const type of ['pointerdown', 'keydown', 'touchstart']) {
    window.addEventListener(type, unlock, { capture: true, passive: true });
  }

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

  function showNotification(alert, conversation) {
    if (notificationState(window.Notification, window.isSecureContext) !== 'granted') return;
    const name = visitorName(conversation?.visitor, t);
    const title = t(`console.alert.${alert.kind}`, { name });
    const message = alert.message || conversation?.last_message || null;
    const body = message ? previewText(message, t) : '';
    try {
      const note = new Notification(title, { body, tag: `kefu-${alert.conversationId}`, silent: true });
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
      const channels = alertChannels(alert, { activeId, hidden });
      if (channels.sound && gate.allow(muted)) chime(alert.kind);
      if (channels.notify) showNotification(alert, conversation);
    },
    setCount(next) {
      if (next === count) return;
      count = next;
      updateBlink();
    },
    setHidden(next) {
      hidden = next;
      updateBlink();
    },
    /** Redraw the title (after a language switch). */
    refresh: drawTitle,
    get muted() { return muted; },
    toggleMute() {
      muted = !muted;
      try { localStorage.setItem(MUTE_KEY, muted ? '1' : '0'); } catch { /* memory only */ }
      unlock();
      if (!muted) chime('message');
      listeners.forEach((listener) => listener());
      return muted;
    },
    permission: () => notificationState(window.Notification, window.isSecureContext),
    async requestPermission() {
      unlock();
      if (this.permission() === 'ask') {
        try { await Notification.requestPermission(); } catch { /* old callback-only API: ignore */ }
      }
      listeners.forEach((listener) => listener());
      return this.permission();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
