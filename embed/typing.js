// Outgoing typing indicator: at most one frame per 2 s, the latest wish wins, idle typing ends by itself.

export const TYPING_INTERVAL_MS = 2000;
export const TYPING_IDLE_MS = 5000;

export class TypingThrottle {
  constructor() {
    this.sentAt = -Infinity;
    this.sent = false;
  }

  /**
   * The visitor is (or is no longer) typing at `now`. Returns `{send: true|false}` for a frame to
   * send now, `{wait: ms}` to ask again after the throttle window, or `{}` for nothing to do.
   * While typing continues a `true` is repeated every window (it refreshes the agent's view).
   */
  want(typing, now) {
    if (!typing && !this.sent) return {};
    const wait = this.sentAt + TYPING_INTERVAL_MS - now;
    if (wait > 0) return { wait };
    this.sentAt = now;
    this.sent = typing;
    return { send: typing };
  }
}
