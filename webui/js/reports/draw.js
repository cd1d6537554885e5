// Draws a block's chart spec (from blocks.js) with the chart modules, with a description for screen readers.
import { barChart } from '../charts/bars.js';
import { formatCompact, formatNumber, formatPercent } from '../charts/format.js';
import { funnelChart } from '../charts/funnel.js';
import { heatMap } from '../charts/heatmap.js';
import { histogram } from '../charts/histogram.js';
import { lineChart } from '../charts/line.js';
import { formatList } from '../i18n.js';
import { periodText } from './blocks.js';

/** What a line chart shows, for screen readers: its lines listed the way `lang` lists things. */
export function lineDescription(spec, t, lang) {
  return t('reports.chart.line', { series: formatList(spec.series.map((item) => item.name), { lang }), points: spec.labels.length });
}

/** The `<svg>` of `spec` titled `title`, or null when the spec has nothing to draw. */
export function drawChart(spec, { title, t, lang, test = null }) {
  if (!spec) return null;
  const number = (v) => formatNumber(v, lang, { digits: spec.digits ?? 1 });
  switch (spec.type) {
    case 'line':
      if (!spec.labels.length || !spec.series.length) return null;
      return lineChart({ title, test, labels: spec.labels, series: spec.series, area: spec.series.length === 1,
        desc: lineDescription(spec, t, lang),
        formatX: (period) => periodText(period, lang), formatY: spec.digits ? number : (v) => formatCompact(v, lang) });
    case 'bars':
      return barChart({ title, test, items: spec.items, format: spec.format || number,
        desc: t('reports.chart.bars', { count: spec.items.length }) });
    case 'heat':
      return heatMap({ title, test, cells: spec.cells, weekdays: spec.weekdays, format: number,
        lessLabel: t('reports.chart.less'), moreLabel: t('reports.chart.more'), desc: t('reports.chart.heat') });
    case 'funnel':
      return funnelChart({ title, test, steps: spec.steps, formatCount: number, formatShare: (v) => formatPercent(v, lang),
        desc: t('reports.chart.funnel') });
    case 'histogram':
      return histogram({ title, test, bins: spec.bins, format: number, desc: t('reports.chart.histogram') });
    default:
      return null;
  }
}
