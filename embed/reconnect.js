// When and how to reconnect: backoff with jitter, heartbeat deadlines, close codes, long-poll fallback.

export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 15000;
export const PING_INTERVAL_MS = 20000;
/** protocol.md rule 4: a socket silent for 2.5 ping intervals is dead. */
export const DEAD_AFTER_MS = 2.5 * PING_INTERVAL_MS;
export const HELLO_TIMEOUT_MS = 10000;
export const SOCKET_FAILURES_BEFORE_POLL = 2;

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

/** A socket close code: 'renew' the visitor session (4001), 'stop' (4003, origin refused) or 'reconnect'. */
export function closeAction(code) {
  if (code === 4001) return 'renew';
  if (code === 4003) return 'stop';
  return 'reconnect';
}

/**
 * An HTTP answer's status (0 = no answer): 'ok', 'renew' (401), 'retry' (network, timeouts,
 * overload, server errors) or 'refused' (any other 4xx: a send is nacked, a poll stops).
 */
export function httpOutcome(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'renew';
  if (!status || status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
