// When and how to reconnect: backoff with jitter, heartbeat deadlines, close codes, long-poll fallback.

export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 15000;
export const PING_INTERVAL_MS = 20000;
/** protocol.md rule 4: a socket silent for 2.5 ping intervals is dead. */
export const DEAD_AFTER_MS = 2.5 * PING_INTERVAL_MS;
export const HELLO_TIMEOUT_MS = 10000;
export const SOCKET_FAILURES_BEFORE_POLL = 2;
/** A throttled client waits this long when the server names no time (and never less than 1 s, nor more than 5 min). */
export const THROTTLED_MS = 5000;
/** `nack` error codes that mean "not now", not "never": the message stays in the outbox. */
export const THROTTLED_CODES = ['rate_limited', 'too_many_requests'];

/** 0.5 s, 1 s, 2 s … capped at 15 s, each ±20 % so that many tabs do not reconnect in step. */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(Math.min(MAX_DELAY_MS, base * (0.8 + 0.4 * random())));
}

/** What to do after `silentMs` without a frame from the server: nothing, ask with a ping, or give up. */
export function heartbeat(silentMs) {
  if (silentMs >= DEAD_AFTER_MS) return 'dead';
  return silentMs >= PING_INTERVAL_MS ? 'ping' : 'wait';
}

/** Sockets that never once said hello, twice in a row, mean a network that blocks them. */
export function shouldPoll({ everConnected, failures }) {
  return !everConnected && failures >= SOCKET_FAILURES_BEFORE_POLL;
}

/**
 * A socket close code: 'renew' the visitor session (4001), 'stop' (4003, origin refused),
 * 'throttled' (4429, or 1013 "try again later": reconnect after THROTTLED_MS) or 'reconnect'.
 */
export function closeAction(code) {
  if (code === 4001) return 'renew';
  if (code === 4003) return 'stop';
  if (code === 4429 || code === 1013) return 'throttled';
  return 'reconnect';
}

/**
 * An HTTP answer's status (0 = no answer): 'ok', 'renew' (401), 'throttled' (429: wait for
 * Retry-After, then again), 'retry' (network, timeouts, server errors) or 'refused' (any other
 * 4xx: a send is nacked, a poll stops).
 */
export function httpOutcome(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'renew';
  if (status === 429) return 'throttled';
  if (!status || status === 408 || status === 425 || status >= 500) return 'retry';
  return 'refused';
}

/** Milliseconds to wait for a `Retry-After` value (seconds or an HTTP date), within 1 s … 5 min. */
export function retryAfterMs(value, now = Date.now()) {
  const text = String(value ?? '').trim();
  let ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) ms = THROTTLED_MS;
  return Math.min(300000, Math.max(1000, ms));
}
