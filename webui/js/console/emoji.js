// The composer's emoji: the set offered (plain Unicode, nothing downloaded) and inserting one at the caret.

/** Common in customer service: greetings, thanks, agreement, regret, delivery and payment. */
export const EMOJI = [
  '😀', '😊', '🙂', '😄', '😉', '😍', '🥰', '🤗', '🤔', '😅', '😂', '🤣', '😎', '😐', '😔', '😢',
  '😭', '😳', '😱', '😡', '😴', '🙏', '👍', '👌', '👏', '🙌', '💪', '🤝', '👋', '✌️', '❤️', '🌹',
  '🎉', '🎁', '☕', '⭐', '🔥', '💯', '✅', '❌', '❓', '❗', '💡', '📦', '🚚', '💰', '🧾', '📞',
  '📧', '⏰', '📍', '🆗',
];

/** `value` with `emoji` put over the selection `[start, end)`; returns the new value and caret. */
export function insertEmoji(value, start, end, emoji) {
  const text = String(value ?? '');
  const from = Math.max(0, Math.min(Number.isInteger(start) ? start : text.length, text.length));
  const to = Math.max(from, Math.min(Number.isInteger(end) ? end : from, text.length));
  return { value: text.slice(0, from) + emoji + text.slice(to), caret: from + emoji.length };
}
