// Keeps the console WebSocket open while in the app: heartbeat, session end, reconnects, frames in and out.
import {
  heartbeat, onSocketClose, onSocketMessage, PROTOCOL_BACKOFF, reconnectDelay, sessionStands, socketUrl,
} from '../socket-policy.js';

const WATCH_MS = 5000;

function setState(state) {
  document.body.dataset.socket = state;
}

/**
 * Open `/api/agent/ws`. `onSessionEnded(reason)` runs once when the server ends the session;
 * `checkSession()` resolves false when the session is gone (asked before each reconnect, because a
 * handshake refused for lack of a session looks like any other dropped connection).
 * `onHello(user, status)` runs after every (re)connect, `onFrame(frame)` for each conversation frame and
 * `onState('open' | 'closed' | 'stopped')` when the link changes. Returns `{stop, send, isOpen}`.
 */
export function connectConsoleSocket({
  onSessionEnded, checkSession, onHello = () => {}, onFrame = () => {}, onState = () => {},
}) {
  let socket = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let endReason = null;
  let lastHeard = 0;
  let pinged = false;

  function changeState(state) {
    setState(state === 'open' ? 'open' : 'closed');
    onState(state);
  }

  function finish(reason) {
    if (stopped) return;
    stop();
    onSessionEnded(reason);
  }

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function onMessage(event) {
    lastHeard = Date.now();
    pinged = false;
    if (typeof event.data !== 'string') return;
    const decision = onSocketMessage(event.data);
    if (decision.action === 'reply') send(decision.message);
    else if (decision.action === 'hello') onHello(decision.user, decision.status ?? null);
    else if (decision.action === 'frame') onFrame(decision.frame);
    else if (decision.action === 'end') {
      endReason = decision.reason;
      finish(decision.reason);
    }
  }

  function onClose(event) {
    if (event.target !== socket) return;
    socket = null;
    if (stopped) return;
    const decision = onSocketClose(event.code, endReason);
    if (decision.action === 'end') finish(decision.reason);
    else if (decision.action === 'stop') {
      changeState('stopped');
    } else {
      changeState('closed');
      scheduleReconnect();
    }
  }

  function scheduleReconnect(delay = reconnectDelay(attempt, Math.random, PROTOCOL_BACKOFF)) {
    clearTimeout(timer);
    attempt += 1;
    timer = setTimeout(async () => {
      timer = null;
      if (stopped || socket) return;
      const stands = await sessionStands(checkSession);
      if (stands && !stopped && !socket) open();
    }, delay);
  }

  function open() {
    if (stopped) return;
    const next = new WebSocket(socketUrl(location));
    socket = next;
    next.addEventListener('open', () => {
      attempt = 0;
      lastHeard = Date.now();
      pinged = false;
      changeState('open');
    });
    next.addEventListener('message', onMessage);
    next.addEventListener('close', onClose);
  }

  /** Drop a socket that went quiet (rule 4); `close` then reconnects as for any drop. */
  function watch() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const action = heartbeat(Date.now() - lastHeard, { pinged });
    if (action === 'ping') {
      pinged = send({ type: 'ping' });
    } else if (action === 'dead') {
      const dead = socket;
      socket = null;
      dead.close(4408);
      changeState('closed');
      scheduleReconnect(0);
    }
  }

  function onOnline() {
    if (stopped || socket) return;
    attempt = 0;
    scheduleReconnect(0);
  }

  const watcher = setInterval(watch, WATCH_MS);
  window.addEventListener('online', onOnline);

  function stop() {
    stopped = true;
    clearTimeout(timer);
    clearInterval(watcher);
    window.removeEventListener('online', onOnline);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    socket = null;
    changeState('closed');
  }

  setState('closed');
  open();
  return { stop, send, isOpen: () => Boolean(socket && socket.readyState === WebSocket.OPEN) };
}
