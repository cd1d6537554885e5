// English: reports (traffic, chats, agents, conversion), their charts and exports. Keys match reports-zh-CN.js.
export default {
  'reports.duration.d': "{n}d",
  'reports.duration.h': "{n}h",
  'reports.duration.m': "{n}m",
  'reports.duration.s': "{n}s",
  'reports.csv': "Download CSV",
  'reports.empty': "No data in this period.",
  'reports.range.badDay': "Choose a day (year-month-day).",
  'reports.range.reversed': "The end date cannot be before the start date.",
  'reports.range.tooLong': "At most 366 days at a time: shorten the range.",
};
