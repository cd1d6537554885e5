// The answer bot's strings in Simplified Chinese (bot.js; the same keys as lang-bot-en.js).
export default {
  handover: '转人工',
  vote: '这个回答有帮助吗？',
  helpful: '有帮助',
  not_helpful: '没帮助',
  try_again: '没有成功，请再试一次',
};
