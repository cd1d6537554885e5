// Console-socket decisions without I/O: socket URL, what to do on a message or close, backoff.

export const SESSION_ENDED_CODE = 4001;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

/** `ws://host/api/agent/ws`, or `wss:` when the page is served over HTTPS. */
export function socketUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/agent/ws`;
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … capped at 30 s. */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.25 * random()));
}

/**
 * Decide what a text frame means: `{action: 'reply', message}`, `{action: 'end', reason}`,
 * `{action: 'hello', user}` or `{action: 'ignore'}` (unknown or malformed frames).
 */
export function onSocketMessage(text) {
  let message;
  try { message = JSON.parse(text); } catch { return { action: 'ignore' }; }
  if (!message || typeof message !== 'object') return { action: 'ignore' };
  switch (message.type) {
    case 'ping': return { action: 'reply', message: { type: 'pong' } };
    case 'session_ended': return { action: 'end', reason: cleanReason(message.reason) };
    case 'hello': return { action: 'hello', user: message.user || null };
    default: return { action: 'ignore' };
  }
}

/** Decide what a close means: the session ended (code 4001) or the link dropped. */
export function onSocketClose(code, lastReason = null) {
  if (code === SESSION_ENDED_CODE) return { action: 'end', reason: lastReason || 'session_ended' };
  return { action: 'reconnect' };
}

/** Where to send the browser once the session has ended. */
export function endedUrl(reason) {
  return `/login?ended=${encodeURIComponent(cleanReason(reason) || 'session_ended')}`;
}

function cleanReason(reason) {
  return typeof reason === 'string' && /^[a-z_]{1,40}$/.test(reason) ? reason : 'session_ended';
}
