// All network I/O: the WebSocket, its long-poll fallback, heartbeat and reconnects, and the HTTP calls.
import {
  HELLO_TIMEOUT_MS, PING_INTERVAL_MS, THROTTLED_MS, closeAction, heartbeat, httpOutcome, reconnectDelay, retryAfterMs,
  shouldPoll,
} from './delivery.js';

const POLL_SECONDS = 25;
const POLL_PATHS = { send: '/api/widget/send', read: '/api/widget/read', typing: '/api/widget/typing' };

/**
 * `hooks`: token(), cursors(), opened(hello|null, {poll}), down(), frame(f) (poll answers become
 * the same frames), renew() → Promise (token refused), refused() (poll refused), mode(name),
 * throttled(ms) (the server asked us to slow down: nothing is dropped, we wait `ms`).
 */
export function createTransport(base, siteKey, hooks) {
  let socket = null;
  let polling = false;
  let up = false;
  let stopped = false;
  let everConnected = false;
  let failures = 0;
  let attempt = 0;
  let wake = null;
  let endSocket = null;
  let pollAbort = null;
  let sendQueue = Promise.resolve();

  function setUp(value, mode) {
    if (value && !up) attempt = 0;
    const changed = up !== value;
    up = value;
    hooks.mode(value ? mode : 'offline');
    return changed;
  }

  /** The backoff delay (or `ms`); `online` ends it early. */
  function pause(ms = reconnectDelay(attempt++)) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  // -- WebSocket

  function connect() {
    if (stopped) return;
    let ws;
    try {
      ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/widget/ws`);
    } catch (err) {
      console.warn('kefu: no WebSocket here, using long-poll', err);
      return startPolling();
    }
    let said = false;
    let heardAt = Date.now();
    let pinged = false;
    let ended = false;
    socket = ws;
    endSocket = end;
    const helloTimer = setTimeout(() => end(1006), HELLO_TIMEOUT_MS);
    const beat = setInterval(() => {
      const state = heartbeat(Date.now() - heardAt);
      if (state === 'dead') {
        end(4408);
      } else if (state === 'ping' && !pinged) {
        pinged = true;
        ws.send('{"type":"ping"}');
      }
    }, PING_INTERVAL_MS / 10);

    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', site_key: siteKey, visitor_token: hooks.token() }));
    ws.onmessage = (event) => {
      heardAt = Date.now();
      pinged = false;
      const f = parse(event.data);
      if (!f || f.type === 'pong') return;
      if (f.type === 'ping') {
        ws.send('{"type":"pong"}');
      } else if (f.type === 'hello') {
        said = true;
        everConnected = true;
        failures = 0;
        clearTimeout(helloTimer);
        setUp(true, 'ws');
        hooks.opened(f, { poll: false });
      } else if (said) {
        hooks.frame(f);
      }
    };
    ws.onclose = (event) => end(event.code);

    /** Once per socket, at its close or when we give up on it (a dead link may never close). */
    function end(code) {
      if (ended) return;
      ended = true;
      clearTimeout(helloTimer);
      clearInterval(beat);
      ws.onclose = ws.onmessage = ws.onopen = null;
      try { ws.close(); } catch { /* already closed */ }
      if (socket === ws) socket = null;
      if (!said) failures += 1;
      if (up) {
        setUp(false);
        hooks.down();
      } else {
        hooks.mode('offline');
      }
      if (stopped) return;
      const action = closeAction(code);
      if (action === 'stop') return stop();
      if (action === 'throttled') hooks.throttled(THROTTLED_MS);
      else if (shouldPoll({ everConnected, failures })) return startPolling();
      pause(action === 'throttled' ? THROTTLED_MS : undefined)
        .then(() => (action === 'renew' ? hooks.renew().catch(() => {}) : null)).then(connect);
    }
  }

  // -- long-poll

  async function startPolling() {
    polling = true;
    setUp(true, 'poll');
    hooks.opened(null, { poll: true });
    while (!stopped) {
      pollAbort = new AbortController();
      try {
        const answer = await post(base, '/api/widget/poll', { cursors: hooks.cursors(), timeout: POLL_SECONDS }, {
          token: hooks.token(), signal: pollAbort.signal, timeout: (POLL_SECONDS + 15) * 1000,
        });
        if (setUp(true, 'poll')) hooks.opened(null, { poll: true });
        for (const f of Array.isArray(answer.events) ? answer.events : []) hooks.frame(f);
        for (const [id, seq] of Object.entries(answer.cursors || {})) {
          hooks.frame({ type: 'synced', conversation_id: Number(id), last_seq: seq });
        }
      } catch (err) {
        if (stopped) return;
        if (pollAbort.signal.reason === 'restart') continue;
        const outcome = httpOutcome(err.status);
        if (outcome === 'refused') {
          if (hooks.refused(err)) continue;
          return stop();
        }
        if (outcome === 'throttled') {
          hooks.throttled(err.retryAfter);
          await pause(err.retryAfter);
          continue;
        }
        if (setUp(false)) hooks.down();
        await pause();
        if (outcome === 'renew') await hooks.renew().catch(() => {});
      }
    }
  }

  function restartPoll() {
    pollAbort?.abort('restart');
  }

  function postFrame(frame) {
    const { type, ...body } = frame;
    if (type === 'sync') return restartPoll();
    if (type === 'send') {
      sendQueue = sendQueue.then(() => postSend(body));
    } else if (POLL_PATHS[type]) {
      post(base, POLL_PATHS[type], body, { token: hooks.token() }).catch(() => {});
    }
  }

  async function postSend(body) {
    if (!up) return; // resent from the outbox once the link is back
    try {
      const ack = await post(base, POLL_PATHS.send, body, { token: hooks.token() });
      hooks.frame({ ...(ack.ack || ack), type: 'ack' });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 429) {
        // Still in the outbox: the same message again once the server lets us.
        hooks.throttled(err.retryAfter);
        await pause(err.retryAfter);
        return postSend(body);
      }
      if (httpOutcome(err.status) === 'refused') {
        hooks.frame({ type: 'nack', client_id: body.client_id, error: err.error || { code: 'refused' } });
      } else if (up) {
        setUp(false);
        hooks.down();
        restartPoll();
      }
    }
  }

  // -- both

  /** Back online: whatever link we hold is suspect, so make a fresh one now. */
  function online() {
    if (polling) restartPoll();
    else if (socket && up) endSocket(1006);
    if (wake) wake();
  }

  function stop() {
    stopped = true;
    up = false;
    hooks.mode('stopped');
    removeEventListener('online', online);
    pollAbort?.abort('stop');
    socket?.close();
  }

  return {
    start() {
      addEventListener('online', online);
      connect();
    },
    stop,
    /** False when the link is down (the outbox resends on reconnect). */
    send(frame) {
      if (!up) return false;
      if (polling) {
        postFrame(frame);
      } else if (socket && socket.readyState === 1) {
        socket.send(JSON.stringify(frame));
      } else {
        return false;
      }
      return true;
    },
  };
}

// -- HTTP

export class HttpError extends Error {
  /** `status` 0: no answer. `retryAfter`: ms to wait after a 429. */
  constructor(status, error = null, retryAfter = 0) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.retryAfter = retryAfter;
  }
}

/** POST an object as JSON, or FormData; resolves with the JSON answer. */
export async function post(base, path, body, { token, signal, timeout = 20000 } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (!(body instanceof FormData)) headers['Content-Type'] = 'application/json';
  const res = await call(base + path, {
    method: 'POST', headers, body: body instanceof FormData ? body : JSON.stringify(body),
  }, signal, timeout);
  const data = await res.json().catch(() => ({}));
  if (res.status === 429) throw new HttpError(429, data?.error, retryAfterMs(res.headers.get('Retry-After')));
  if (!res.ok) throw new HttpError(res.status, data && data.error);
  return data;
}

/** With the Bearer header: tokens never go in URLs. */
export async function fetchAttachment(base, id, token) {
  const res = await call(`${base}/api/attachments/${Number(id)}`, {
    headers: { Authorization: `Bearer ${token}` },
  }, null, 60000);
  if (!res.ok) throw new HttpError(res.status);
  return res.blob();
}

async function call(url, init, signal, timeout) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  const abort = () => controller.abort();
  signal?.addEventListener('abort', abort);
  try {
    return await fetch(url, {
      ...init, mode: 'cors', credentials: 'omit', cache: 'no-store', signal: controller.signal,
    });
  } catch {
    throw new HttpError(0);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

function parse(data) {
  try {
    const f = JSON.parse(data);
    return f && typeof f === 'object' && !Array.isArray(f) ? f : null;
  } catch {
    return null;
  }
}
