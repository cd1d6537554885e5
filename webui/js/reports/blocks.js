// What each report shows, without the DOM: summary figures and blocks (title, columns, rows, chart) per kind.
import { dayLabel, formatDuration, formatNumber, formatPercent, hourLabel, weekdayNames } from '../charts/format.js';
import { heatCells, loadLines, rankingLabel, ratingTotals, sourceKindLabel, sourceLabel } from './model.js';

const TIMINGS = ['first_response', 'queue_wait', 'duration', 'left_message_answer'];

/** Column helpers bound to a language and catalogue. */
function columnsOf(t, lang) {
  const count = (key, label = t(`reports.col.${key}`), value = undefined) => ({ key, label, numeric: true, value,
    text: (v) => formatNumber(v, lang) });
  const seconds = (key, label, value) => ({ key, label, csvLabel: t('reports.col.seconds', { label }), numeric: true,
    value, text: (v) => formatDuration(v, lang) });
  const text = (key, label, value) => ({ key, label, value });
  return { count, seconds, text };
}

/** A bucket of `series` as an axis label: a day as "12月6日" / "Dec 6", weeks and months as they are. */
export function periodText(period, lang) {
  return /^\d{4}-\d{2}-\d{2}$/.test(period) ? dayLabel(period, lang) : String(period);
}

/** A block spec: `{id, title, columns, items, chart}` (chart: `{type, …}` or null). */
function block(id, title, columns, items, chart = null, extra = {}) {
  return { id, title, columns, items: items || [], chart, ...extra };
}

/** A region's country: "(other)" worded, and a place the visit's address did not tell "unknown" like a device. */
function placeLabel(country, other, t) {
  return country ? rankingLabel(country, other) : t('reports.unknown');
}

function ranking(id, title, columns, items, valueKey, labelOf) {
  return block(id, title, columns, items, { type: 'bars', items: (items || []).slice(0, 15)
    .map((item) => ({ label: labelOf(item), value: item[valueKey] })) });
}

/** Summary figures: `[{key, label, value (raw), text}]`; durations in seconds, shown as durations. */
export function summaryFigures(kind, report, t, lang) {
  const n = (key, value) => ({ key, label: t(`reports.fig.${key}`), value, text: formatNumber(value, lang) });
  const d = (key, value) => ({ key, label: t(`reports.fig.${key}`), value, text: formatDuration(value, lang) });
  const totals = report.totals || {};
  if (kind === 'traffic') {
    return [n('visits', totals.visits), n('new_visitors', totals.new_visitors), n('returning_visits', totals.returning_visits),
      n('page_views', totals.page_views), n('chats', totals.chats),
      { key: 'chat_rate', label: t('reports.fig.chat_rate'), value: totals.chat_rate, text: formatPercent(totals.chat_rate, lang) }];
  }
  if (kind === 'chats') {
    return [n('chats', totals.chats), n('answered', totals.answered), n('missed', totals.missed),
      n('unanswered', totals.unanswered), d('first_response_median', report.first_response?.median),
      d('first_response_p90', report.first_response?.p90), d('queue_wait_median', report.queue_wait?.median),
      n('queued', totals.queued), n('transfers', totals.transfers), n('left_messages', totals.left_messages),
      n('left_messages_answered', totals.left_messages_answered), d('left_message_answer_median', report.left_message_answer?.median),
      n('human', totals.human), n('bot_only', totals.bot_only), n('rated', totals.rated),
      d('duration_median', report.duration?.median)];
  }
  if (kind === 'agents') {
    return [n('chats', totals.chats), n('answered', totals.answered), n('rated', totals.rated),
      { key: 'rating_average', label: t('reports.fig.rating_average'), value: totals.rating_average,
        text: formatNumber(totals.rating_average, lang) }];
  }
  const funnel = report.funnel || {};
  return ['invitations', 'accepted', 'chats', 'leads', 'effective'].map((key) => n(`funnel_${key}`, funnel[key]));
}

/** The summary as a table (metric, value) so that it exports like every other table. */
export function summaryBlock(kind, report, t, lang) {
  const figures = summaryFigures(kind, report, t, lang);
  return block('summary', t('reports.block.summary'), [
    { key: 'label', label: t('reports.col.metric') },
    { key: 'value', label: t('reports.col.value'), numeric: true, text: (v, item) => item.text },
  ], figures);
}

function trafficBlocks(report, t, lang, labels) {
  const { count, text } = columnsOf(t, lang);
  const period = text('period', t(`reports.col.period.${report.grain}`), (item) => item.period);
  const series = report.series || [];
  const other = t('reports.other');
  return [
    block('series', t('reports.block.trafficSeries'), [period, count('visits'), count('new_visitors'), count('page_views'), count('chats')],
      series, { type: 'line', labels: series.map((item) => item.period),
        series: ['visits', 'page_views', 'chats'].map((key) => ({ name: t(`reports.col.${key}`), values: series.map((item) => item[key]) })) }),
    ranking('sources', t('reports.block.sources'), [
      text('kind', t('reports.col.sourceKind'), (item) => sourceKindLabel(item.kind, t)),
      text('source', t('reports.col.source'), (item) => sourceLabel(item.source, t)), count('visits')],
    report.sources, 'visits', (item) => sourceLabel(item.source, t)),
    ranking('keywords', t('reports.block.keywords'), [text('keyword', t('reports.col.keyword'), (item) => rankingLabel(item.keyword, other)),
      count('visits')], report.keywords, 'visits', (item) => rankingLabel(item.keyword, other)),
    ranking('entry_pages', t('reports.block.entryPages'), [text('page', t('reports.col.page'), (item) => rankingLabel(item.page, other)),
      count('visits')], report.entry_pages, 'visits', (item) => rankingLabel(item.page, other)),
    ranking('devices', t('reports.block.devices'), [text('device', t('reports.col.device'),
      (item) => (item.device ? t(`reports.device.${item.device}`) : t('reports.device.unknown'))), count('visits')],
    report.devices, 'visits', (item) => (item.device ? t(`reports.device.${item.device}`) : t('reports.device.unknown'))),
    ranking('regions', t('reports.block.regions'), [text('country', t('reports.col.country'), (item) => placeLabel(item.country, other, t)),
      text('province', t('reports.col.province'), (item) => item.province || ''), count('visits')],
    report.regions, 'visits', (item) => [placeLabel(item.country, other, t), item.province].filter(Boolean).join(' ')),
  ].map((item) => ({ ...item, labels }));
}

function chatsBlocks(report, t, lang) {
  const { count, seconds, text } = columnsOf(t, lang);
  const series = report.series || [];
  const weekdays = weekdayNames(lang);
  const timing = TIMINGS.map((key) => ({ key, ...(report[key] || {}) }));
  return [
    block('series', t('reports.block.chatSeries'), [text('period', t(`reports.col.period.${report.grain}`), (item) => item.period),
      count('chats'), count('answered'), count('missed'), count('left_messages'),
      seconds('first_response_median', t('reports.col.first_response_median'), (item) => item.first_response_median)],
    series, { type: 'line', labels: series.map((item) => item.period),
      series: ['chats', 'answered', 'missed', 'left_messages'].map((key) => ({ name: t(`reports.col.${key}`), values: series.map((item) => item[key]) })) }),
    block('heatmap', t('reports.block.heatmap'), [text('weekday', t('reports.col.weekday'), (item) => item.weekday),
      ...Array.from({ length: 24 }, (_, hour) => ({ key: `h${hour}`, label: hourLabel(hour), numeric: true, value: (item) => item.hours[hour] }))],
    (report.heatmap || []).map((hours, i) => ({ weekday: weekdays[i], hours })),
    { type: 'heat', cells: heatCells(report.heatmap), weekdays }, { wide: true }),
    block('timing', t('reports.block.timing'), [text('key', t('reports.col.measure'), (item) => t(`reports.timing.${item.key}`)),
      seconds('median', t('reports.col.median'), (item) => item.median), seconds('p90', t('reports.col.p90'), (item) => item.p90),
      seconds('average', t('reports.col.average'), (item) => item.average), count('count', t('reports.col.measured'))], timing,
    { type: 'bars', items: timing.map((item) => ({ label: t(`reports.timing.${item.key}`), value: item.median ?? 0 })),
      format: (v) => formatDuration(v, lang) }, { note: t('reports.timing.note') }),
  ];
}

function agentsBlocks(report, t, lang, labels) {
  const { count, seconds, text } = columnsOf(t, lang);
  const name = (id) => labels.agents?.[String(id)] || `#${id}`;
  const agents = report.agents || [];
  const periods = [...new Set((report.load_series || []).map((row) => row.period))].sort();
  const stars = ratingTotals(agents);
  return [
    block('agents', t('reports.block.agents'), [text('agent', t('reports.col.agent'), (item) => name(item.agent_id)),
      count('chats'), count('answered'),
      seconds('first_response_median', t('reports.col.first_response_median'), (item) => item.first_response?.median),
      seconds('first_response_p90', t('reports.col.first_response_p90'), (item) => item.first_response?.p90),
      { key: 'rating_average', label: t('reports.col.rating_average'), numeric: true, value: (item) => item.rating?.average ?? null,
        text: (v) => formatNumber(v, lang) },
      count('rated', t('reports.col.rated'), (item) => item.rating?.count ?? 0),
      { key: 'average_load', label: t('reports.col.average_load'), numeric: true, value: (item) => item.average_load,
        text: (v) => formatNumber(v, lang, { digits: 2 }) },
      seconds('online_seconds', t('reports.col.online'), (item) => item.online_seconds),
      seconds('busy_seconds', t('reports.col.busy'), (item) => item.busy_seconds),
      seconds('away_seconds', t('reports.col.away'), (item) => item.away_seconds)],
    agents, { type: 'bars', items: agents.slice(0, 15).map((item) => ({ label: name(item.agent_id), value: item.chats })) }, { wide: true }),
    block('ratings', t('reports.block.ratings'), [text('stars', t('reports.col.stars'), (item) => t('reports.stars', { n: item.stars })),
      count('count', t('reports.col.ratings'))], [1, 2, 3, 4, 5].map((star) => ({ stars: star, count: stars[star] })),
    { type: 'histogram', bins: [1, 2, 3, 4, 5].map((star) => ({ label: t('reports.stars', { n: star }), count: stars[star] })) }),
    block('load_series', t('reports.block.load'), [text('period', t(`reports.col.period.${report.grain}`), (item) => item.period),
      text('agent', t('reports.col.agent'), (item) => name(item.agent_id)),
      { key: 'average_load', label: t('reports.col.average_load'), numeric: true, text: (v) => formatNumber(v, lang, { digits: 2 }) },
      seconds('chat_seconds', t('reports.col.chat_time'), (item) => item.chat_seconds)], report.load_series,
    { type: 'line', labels: periods, series: loadLines(report.load_series, periods)
      .map((line) => ({ name: name(line.agentId), values: line.values })), digits: 2 }),
  ];
}

function conversionBlocks(report, t, lang) {
  const { count, text } = columnsOf(t, lang);
  const funnel = report.funnel || {};
  const steps = ['invitations', 'accepted', 'chats', 'leads', 'effective'];
  const counts = ['invitations', 'accepted', 'chats', 'leads', 'effective'].map((key) => count(key, t(`reports.col.${key}`)));
  const withVisits = [count('visits'), ...counts];
  const other = t('reports.other');
  const funnelItems = steps.map((key, i) => ({ step: t(`reports.funnel.${key}`), count: funnel[key] ?? 0,
    of_previous: i && funnel[steps[i - 1]] ? (funnel[key] ?? 0) / funnel[steps[i - 1]] : null,
    of_first: i && funnel.invitations ? (funnel[key] ?? 0) / funnel.invitations : null }));
  const share = (key, label) => ({ key, label, numeric: true, text: (v) => formatPercent(v, lang) });
  return [
    block('funnel', t('reports.block.funnel'), [text('step', t('reports.col.step')), count('count', t('reports.col.count')),
      share('of_previous', t('reports.col.ofPrevious')), share('of_first', t('reports.col.ofFirst'))], funnelItems,
    { type: 'funnel', steps: funnelItems.map((item) => ({ label: item.step, count: item.count })) }),
    block('by_rule', t('reports.block.byRule'), [text('rule', t('reports.col.rule'),
      (item) => (item.rule_id == null ? t('reports.rule.manual') : t('reports.rule.id', { id: item.rule_id }))), ...counts], report.by_rule),
    ranking('by_source', t('reports.block.bySource'), [text('source', t('reports.col.source'), (item) => sourceLabel(item.source, t)),
      ...withVisits], report.by_source, 'chats', (item) => sourceLabel(item.source, t)),
    ranking('by_keyword', t('reports.block.byKeyword'), [text('keyword', t('reports.col.keyword'), (item) => rankingLabel(item.keyword, other)),
      ...withVisits], report.by_keyword, 'chats', (item) => rankingLabel(item.keyword, other)),
    ranking('by_page', t('reports.block.byPage'), [text('page', t('reports.col.page'), (item) => rankingLabel(item.page, other)),
      ...withVisits], report.by_page, 'chats', (item) => rankingLabel(item.page, other)),
  ];
}

/** The blocks of a report of `kind`, in the order the page shows them (the summary first). */
export function reportBlocks(kind, report, { t, lang, labels = {} }) {
  const blocks = { traffic: trafficBlocks, chats: chatsBlocks, agents: agentsBlocks, conversion: conversionBlocks }[kind];
  return [summaryBlock(kind, report, t, lang), ...blocks(report, t, lang, labels)];
}
