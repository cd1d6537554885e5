// Keeps the console WebSocket open while in the app: answers pings, reports session end, reconnects.
import { onSocketClose, onSocketMessage, reconnectDelay, socketUrl } from '../socket-policy.js';

function setState(state) {
  document.body.dataset.socket = state;
}

/**
 * Open `/api/agent/ws`. `onSessionEnded(reason)` runs once when the server ends the session;
 * `checkSession()` resolves false when the session is gone (asked before each reconnect, because a
 * handshake refused for lack of a session looks like any other dropped connection).
 */
export function connectConsoleSocket({ onSessionEnded, checkSession, onHello = () => {} }) {
  let socket = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let endReason = null;

  function finish(reason) {
    if (stopped) return;
    stop();
    onSessionEnded(reason);
  }

  function onMessage(event) {
    if (typeof event.data !== 'string') return;
    const decision = onSocketMessage(event.data);
    if (decision.action === 'reply') socket.send(JSON.stringify(decision.message));
    else if (decision.action === 'hello') onHello(decision.user);
    else if (decision.action === 'end') {
      endReason = decision.reason;
      finish(decision.reason);
    }
  }

  function onClose(event) {
    setState('closed');
    if (stopped) return;
    const decision = onSocketClose(event.code, endReason);
    if (decision.action === 'end') finish(decision.reason);
    else scheduleReconnect();
  }

  function scheduleReconnect() {
    const delay = reconnectDelay(attempt);
    attempt += 1;
    timer = setTimeout(async () => {
      timer = null;
      if (stopped || !(await checkSession())) return;
      open();
    }, delay);
  }

  function open() {
    if (stopped) return;
    socket = new WebSocket(socketUrl(location));
    socket.addEventListener('open', () => {
      attempt = 0;
      setState('open');
    });
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', onClose);
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    setState('closed');
  }

  setState('closed');
  open();
  return { stop };
}
