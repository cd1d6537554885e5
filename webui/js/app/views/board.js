// The live board (#/board) for supervisors: agents and their load, visitors, queue, today against last week, live.
import { h, replaceIfChanged } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { select } from '../../forms.js';
import { getLanguage, t } from '../../i18n.js';
import { formatDuration, formatNumber, formatPercent, hourLabel } from '../../charts/format.js';
import { lineChart } from '../../charts/line.js';
import { agentsAtWork, boardAgents, comparisons, hoursSoFar, liveWait } from '../../reports/board-model.js';
import { filterChoices } from '../../reports/model.js';
import { reportBlock } from '../../reports/table.js';
import { emptyState, page, pageHeader, section } from './common.js';

const picked = { companyId: null, siteId: null };
const STATUS_MARK = { online: '●', busy: '◐', away: '○', offline: '×' };

function figure(key, value, text) {
  return h('div', { class: 'figure', 'data-test': `board-${key}`, 'data-value': String(value) },
    h('div', { class: 'figure-value' }, text), h('div', { class: 'figure-label' }, t(`board.${key}`)));
}

function changeText(change, lang) {
  if (change === null) return '—';
  if (change === 0) return t('board.same');
  const arrow = change > 0 ? '▲' : '▼';
  return `${arrow} ${change > 0 ? '+' : '−'}${formatPercent(Math.abs(change), lang, { digits: 0 })}`;
}

function agentRows(board) {
  const lang = getLanguage();
  return boardAgents(board.agents).map((agent) => h('tr', { 'data-test': 'board-agent', 'data-agent-id': agent.id, 'data-status': agent.status },
    h('th', { scope: 'row', 'data-label': t('board.agent') }, agent.name),
    h('td', { 'data-label': t('board.status') },
      h('span', { class: `status-mark status-${agent.status}`, 'aria-hidden': 'true' }, STATUS_MARK[agent.status] || '?'), ' ',
      t(`board.status.${agent.status}`)),
    h('td', { class: 'num', 'data-label': t('board.load'), 'data-test': 'board-agent-load', 'data-value': agent.load },
      h('meter', { min: '0', max: String(Math.max(1, agent.max_chats || 1)), value: String(agent.load || 0), 'aria-hidden': 'true' }), ' ',
      t('board.loadOf', { load: formatNumber(agent.load, lang), max: formatNumber(agent.max_chats, lang) }))));
}

function comparison(board, lang) {
  return h('table', { class: 'table report-data', 'data-test': 'board-compare' },
    h('caption', { class: 'visually-hidden' }, t('board.compare')),
    h('thead', {}, h('tr', {}, [t('board.measure'), t('board.today', { date: board.today?.date || '' }),
      t('board.lastWeek', { date: board.last_week?.date || '' }), t('board.change')].map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, comparisons(board).map((row) => h('tr', { 'data-test': `board-compare-${row.key}` },
      h('th', { scope: 'row' }, t(`board.compare.${row.key}`)),
      h('td', { class: 'num', 'data-value': row.today, 'data-label': t('board.series.today') }, formatNumber(row.today, lang)),
      h('td', { class: 'num', 'data-value': row.lastWeek, 'data-label': t('board.series.lastWeek') }, row.wholeDay
        ? t('board.wholeDay', { n: formatNumber(row.lastWeek, lang) }) : formatNumber(row.lastWeek, lang)),
      h('td', { class: 'num', 'data-label': t('board.change') }, changeText(row.change, lang))))));
}

function hourly(board, lang) {
  const today = hoursSoFar(board.today?.chats_by_hour, board);
  const before = (board.last_week?.chats_by_hour || []).map(Number);
  const visitsToday = board.today?.visits_by_hour && hoursSoFar(board.today.visits_by_hour, board);
  const visitsBefore = board.last_week?.visits_by_hour;
  const items = Array.from({ length: 24 }, (_, hour) => ({ hour: hourLabel(hour), today: today[hour], last_week: before[hour] ?? 0,
    visits_today: visitsToday?.[hour] ?? null, visits_last_week: visitsBefore?.[hour] ?? null }));
  const title = t('board.byHour');
  const columns = [{ key: 'hour', label: t('board.hour') }, { key: 'today', label: t('board.series.today'), numeric: true },
    { key: 'last_week', label: t('board.series.lastWeek'), numeric: true },
    ...(visitsToday ? [{ key: 'visits_today', label: t('board.series.visitsToday'), numeric: true },
      { key: 'visits_last_week', label: t('board.series.visitsLastWeek'), numeric: true }] : [])];
  const chart = lineChart({ title, desc: t('board.byHour.desc'), labels: items.map((item) => item.hour), test: 'board-chart',
    series: [{ name: t('board.series.today'), values: today }, { name: t('board.series.lastWeek'), values: before }],
    formatY: (v) => formatNumber(v, lang) });
  return reportBlock({ title, chart, columns, items, test: 'board-hourly', fileName: `board_${board.today?.date || 'today'}.csv` });
}

function drawBoard(body, board) {
  const lang = getLanguage();
  const wait = liveWait(board.queue);
  replaceIfChanged(body,
    h('div', { class: 'figures' },
      figure('agentsAtWork', agentsAtWork(board.agents), t('board.ofAgents', { n: formatNumber(agentsAtWork(board.agents), lang),
        total: formatNumber(board.agents?.length ?? 0, lang) })),
      figure('visitors', board.visitors_online, formatNumber(board.visitors_online, lang)),
      figure('chatting', board.chatting, formatNumber(board.chatting, lang)),
      figure('queue', board.queue?.waiting ?? 0, formatNumber(board.queue?.waiting ?? 0, lang)),
      figure('wait', wait, board.queue?.waiting ? formatDuration(wait, lang) : '—')),
    h('div', { class: 'report-blocks' },
      h('figure', { class: 'report-block' }, h('figcaption', { class: 'report-block-head' }, h('h3', {}, t('board.agents'))),
        board.agents?.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table report-data', 'data-test': 'board-agents' },
          h('thead', {}, h('tr', {}, [t('board.agent'), t('board.status'), t('board.load')].map((label) => h('th', { scope: 'col' }, label)))),
          h('tbody', {}, agentRows(board)))) : h('p', { class: 'muted' }, t('board.noAgents'))),
      h('figure', { class: 'report-block' }, h('figcaption', { class: 'report-block-head' }, h('h3', {}, t('board.compare'))),
        comparison(board, lang), h('p', { class: 'muted report-note' }, t('board.compare.note'))),
      hourly(board, lang)),
    h('p', { class: 'muted report-fresh', 'data-test': 'board-at' }, t('board.at', { time: new Date(board.at).toLocaleTimeString(lang) })));
}

export async function boardView(ctx) {
  const [{ companies }, sites] = await Promise.all([ctx.api.get('/api/companies'),
    ctx.api.get('/api/sites').then((answer) => answer.sites, () => [])]);
  const company = companies.find((item) => item.id === picked.companyId) || companies[0];
  if (!company) return page(pageHeader(t('board.title')), emptyState(t('customers.noCompany')));
  picked.companyId = company.id;
  const choices = filterChoices(company.id, { sites });
  if (!choices.sites.some((site) => site.id === picked.siteId)) picked.siteId = null;
  const body = h('div', { class: 'board-body', 'data-test': 'board-body', 'aria-live': 'off' },
    h('p', { class: 'muted', role: 'status' }, t('app.loading')));
  const problem = h('p', { class: 'alert alert-error', role: 'alert', hidden: true, 'data-test': 'board-error' });
  let board = null;
  const show = (next) => {
    board = next;
    problem.hidden = true;
    drawBoard(body, board);
  };
  try {
    const query = picked.siteId === null ? '' : `?${new URLSearchParams({ site_id: String(picked.siteId) })}`;
    show((await ctx.api.get(`/api/companies/${company.id}/board${query}`)).board);
  } catch (error) {
    problem.textContent = errorMessage(error, t);
    problem.hidden = false;
  }
  const stopWatching = ctx.console.watchBoard({ companyId: company.id, siteId: picked.siteId }, (message) => {
    if (message.board) show(message.board);
    else {
      problem.textContent = errorMessage(message.error, t);
      problem.hidden = false;
    }
  });
  // The longest wait counts on between frames; the watch ends once the page has been left.
  const started = Date.now();
  const ticker = setInterval(() => {
    if (!body.isConnected && (body.dataset.shown || Date.now() - started > 5000)) {
      clearInterval(ticker);
      stopWatching();
      return;
    }
    if (body.isConnected) body.dataset.shown = '1';
    if (board?.queue?.waiting) drawBoard(body, board);
  }, 1000);
  const picker = (name, options, value, onchange) => select({ name, 'data-test': `board-${name}`, onchange },
    options, value);
  const controls = h('div', { class: 'inline-row no-print' },
    companies.length > 1 ? h('label', { class: 'inline-label' }, t('reports.filter.company'), picker('company',
      companies.map((item) => [String(item.id), item.name]), String(company.id), (event) => {
        picked.companyId = Number(event.target.value);
        picked.siteId = null;
        ctx.rerender();
      })) : null,
    choices.sites.length > 1 ? h('label', { class: 'inline-label' }, t('reports.filter.site'), picker('site',
      [['', t('reports.filter.allSites')], ...choices.sites.map((site) => [String(site.id), site.name])],
      picked.siteId === null ? '' : String(picked.siteId), (event) => {
        picked.siteId = event.target.value ? Number(event.target.value) : null;
        ctx.rerender();
      })) : null);
  return page(pageHeader(t('board.title'), { lead: t('board.lead', { company: company.name }),
    actions: [h('a', { class: 'button button-small', href: '#/reports/chats' }, t('board.toReports'))] }),
  section(null, [controls, problem,
    h('p', { class: 'alert alert-info board-offline', 'data-test': 'board-offline' }, t('board.offline')), body], { test: 'board' }));
}
