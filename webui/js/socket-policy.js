// Console-socket decisions without I/O: socket URL, what to do on a message or close, backoff.

export const SESSION_ENDED_CODE = 4001;
export const ORIGIN_REFUSED_CODE = 4003;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
/** protocol.md rule 5: 0.5 s, doubling up to 15 s. */
export const PROTOCOL_BACKOFF = { baseMs: 500, maxMs: 15000 };

/**
 * Frames the console handles (protocol.md, "Server → client"): conversations, the queue, unanswered
 * flags, visitors moving between pages, my status, the live visitor list and invitations,
 * the live board being watched, and the answer bot's chats.
 */
const CONVERSATION_FRAMES = new Set(['message', 'conversation', 'read', 'typing', 'ack', 'nack', 'synced', 'reset',
  'error', 'queue', 'unanswered', 'visitor', 'status', 'visitors', 'visitors_delta', 'invitation', 'board', 'bot_chat']);

/** `ws://host/api/agent/ws`, or `wss:` when the page is served over HTTPS. */
export function socketUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/agent/ws`;
}

/** Exponential backoff with jitter: by default about 1 s, 2 s, 4 s … capped at 30 s. */
export function reconnectDelay(attempt, random = Math.random,
  { baseMs = BASE_DELAY_MS, maxMs = MAX_DELAY_MS } = {}) {
  const base = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(base * (0.75 + 0.25 * random()));
}

/**
 * Decide what a text frame means: `{action: 'reply', message}`, `{action: 'end', reason}`,
 * `{action: 'hello', user, status?}` (`status`: the agent's presence, when the server sent one),
 * `{action: 'frame', frame}` (a conversation, queue or status frame for the console) or
 * `{action: 'ignore'}` (unknown or malformed frames).
 */
export function onSocketMessage(text) {
  let message;
  try { message = JSON.parse(text); } catch { return { action: 'ignore' }; }
  if (!message || typeof message !== 'object') return { action: 'ignore' };
  switch (message.type) {
    case 'ping': return { action: 'reply', message: { type: 'pong' } };
    case 'session_ended': return { action: 'end', reason: cleanReason(message.reason) };
    case 'hello': return typeof message.status === 'string'
      ? { action: 'hello', user: message.user || null, status: message.status }
      : { action: 'hello', user: message.user || null };
    default:
      return CONVERSATION_FRAMES.has(message.type) ? { action: 'frame', frame: message } : { action: 'ignore' };
  }
}

/** Decide what a close means: the session ended (4001), this page may not connect (4003), or the link dropped. */
export function onSocketClose(code, lastReason = null) {
  if (code === SESSION_ENDED_CODE) return { action: 'end', reason: lastReason || 'session_ended' };
  if (code === ORIGIN_REFUSED_CODE) return { action: 'stop' };
  return { action: 'reconnect' };
}

/** Where to send the browser once the session has ended. */
export function endedUrl(reason) {
  return `/login?ended=${encodeURIComponent(cleanReason(reason) || 'session_ended')}`;
}

function cleanReason(reason) {
  return typeof reason === 'string' && /^[a-z_]{1,40}$/.test(reason) ? reason : 'session_ended';
}

export const PING_INTERVAL_MS = 20000;

/**
 * Heartbeat (protocol.md rule 4) after hearing nothing for `silentMs`: `'dead'` after 2.5 ping
 * intervals (reconnect), `'ping'` after one interval if we have not pinged yet, else null. Our own
 * ping matters because the server only pings a client that is itself silent.
 */
export function heartbeat(silentMs, { intervalMs = PING_INTERVAL_MS, pinged = false } = {}) {
  if (silentMs >= intervalMs * 2.5) return 'dead';
  if (silentMs >= intervalMs && !pinged) return 'ping';
  return null;
}

/** How long the session check before a reconnect may take; past it, reconnect anyway. */
export const SESSION_CHECK_MS = 10000;

/**
 * `check()` (a promise of whether the session still stands), or `true` when it has not answered
 * within `ms`: after a connection died silently, the check's request can hang on a dead pooled
 * connection for minutes, and the console must not wait for it to reconnect (the socket's own
 * handshake tells a session that is gone).
 */
export function sessionStands(check, ms = SESSION_CHECK_MS, timers = globalThis) {
  return new Promise((resolve) => {
    const late = timers.setTimeout(() => resolve(true), ms);
    Promise.resolve().then(check).then(
      (stands) => { timers.clearTimeout(late); resolve(stands); },
      () => { timers.clearTimeout(late); resolve(true); });
  });
}
