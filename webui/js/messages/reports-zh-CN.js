// 简体中文：统计报表（流量、对话、客服、转化）、图表和导出。键与 reports-en.js 一致。
export default {
  'reports.duration.d': "{n}天",
  'reports.duration.h': "{n}小时",
  'reports.duration.m': "{n}分",
  'reports.duration.s': "{n}秒",
  'reports.csv': "导出 CSV",
  'reports.empty': "这段时间没有数据。",
  'reports.range.badDay': "请选择一个日期（年-月-日）。",
  'reports.range.reversed': "结束日期不能早于开始日期。",
  'reports.range.tooLong': "一次最多查看 366 天，请缩短日期范围。",
};
