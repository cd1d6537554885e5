// The answer bot's strings in English (bot.js; the same keys as lang-bot-zh-CN.js).
export default {
  handover: 'Talk to a person',
  vote: 'Was this answer helpful?',
  helpful: 'Helpful',
  not_helpful: 'Not helpful',
  try_again: 'That did not work, please try again',
};
