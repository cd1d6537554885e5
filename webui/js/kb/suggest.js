// Suggested answers beside a chat: what to ask about (the visitor's last message), debounced, stale requests cancelled.

export const SUGGEST_DELAY_MS = 350;
export const SUGGEST_COUNT = 3;
/** The server matches the first 300 characters and refuses more than 2,000. */
const TEXT_MAX = 2000;

/**
 * The visitor's latest text message among a conversation's drawn `items` (engine.items):
 * `{seq, text}`, or null when the visitor has written nothing yet.
 */
export function lastVisitorMessage(items) {
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const message = items[i]?.message;
    if (message?.sender?.type !== 'visitor' || message.kind !== 'text') continue;
    const text = String(message.body ?? '').trim();
    if (text) return { seq: message.seq, text: [...text].slice(0, TEXT_MAX).join('') };
  }
  return null;
}

/**
 * Keeps the suggestions of one question at a time. `want(key, request)` asks for them after a
 * pause (a burst of messages makes one request); a new key aborts the request in flight, and
 * an answer for an old key is dropped. A failure only leaves the list empty: the chat goes on.
 * `load(request, signal)` resolves with the suggestions; `onChange(state)` follows each change.
 */
export class SuggestionFeed {
  constructor({ load, onChange = () => {}, delay = SUGGEST_DELAY_MS, timers = globalThis }) {
    this.load = load;
    this.onChange = onChange;
    this.delay = delay;
    this.timers = timers;
    this.state = { key: null, status: 'idle', suggestions: [] };
    this.timer = null;
    this.controller = null;
  }

  #cancel() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    this.controller = null;
  }

  #set(state) {
    this.state = state;
    this.onChange(state);
  }

  /** Show the suggestions for `key` (e.g. "conversation:seq"); null clears them. */
  want(key, request) {
    if (key === this.state.key) return;
    this.#cancel();
    if (key === null) {
      this.#set({ key: null, status: 'idle', suggestions: [] });
      return;
    }
    this.#set({ key, status: 'loading', suggestions: [] });
    this.timer = this.timers.setTimeout(() => this.#fetch(key, request), this.delay);
  }

  async #fetch(key, request) {
    this.timer = null;
    const controller = new AbortController();
    this.controller = controller;
    let suggestions;
    try {
      suggestions = await this.load(request, controller.signal);
    } catch {
      if (this.state.key === key && !controller.signal.aborted) {
        this.controller = null;
        this.#set({ key, status: 'failed', suggestions: [] });
      }
      return;
    }
    if (this.state.key !== key || controller.signal.aborted) return;
    this.controller = null;
    const list = Array.isArray(suggestions) ? suggestions.slice(0, SUGGEST_COUNT) : [];
    this.#set({ key, status: 'ready', suggestions: list });
  }

  /** Forget the current question and stop anything pending. */
  stop() {
    this.#cancel();
    this.state = { key: null, status: 'idle', suggestions: [] };
  }
}
