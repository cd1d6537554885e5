// When the agent's own typing indicator should be sent: throttled starts, a stop after idling.

export const TYPING_REPEAT_MS = 3000;
export const TYPING_IDLE_MS = 4000;

/**
 * Decides the `typing` frames for one conversation. Call `input(hasText)` on every edit and
 * `tick()` from a timer; each returns `true`/`false` (send typing true/false) or null (send nothing).
 */
export class TypingThrottle {
  constructor({ now = () => Date.now(), repeatMs = TYPING_REPEAT_MS, idleMs = TYPING_IDLE_MS } = {}) {
    this.now = now;
    this.repeatMs = repeatMs;
    this.idleMs = idleMs;
    this.typing = false;
    this.lastSent = -Infinity;
    this.lastInput = -Infinity;
  }

  input(hasText) {
    const now = this.now();
    this.lastInput = now;
    if (!hasText) return this.stop();
    if (this.typing && now - this.lastSent < this.repeatMs) return null;
    this.typing = true;
    this.lastSent = now;
    return true;
  }

  /** Idle for long enough: stop. */
  tick() {
    if (this.typing && this.now() - this.lastInput >= this.idleMs) return this.stop();
    return null;
  }

  /** Sent, cleared or left the conversation. */
  stop() {
    if (!this.typing) return null;
    this.typing = false;
    return false;
  }
}
