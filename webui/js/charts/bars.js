// Horizontal bar chart for rankings (top pages, sources, agents): label, bar and value on every row.
import { OKABE_ITO } from './palette.js';
import { extent, fitText, linearScale } from './scale.js';
import { chartFrame, s } from './svg.js';

const WIDTH = 640;
const ROW = 26;
const LABEL = 200;
const VALUE = 80;

/**
 * `barChart({title, desc, items: [{label, value}], format, test})`: one row per item in the order
 * given; long labels are shortened on the chart (the full text is in the row's tooltip and the table).
 */
export function barChart({ title, desc, items, format = String, test = null, color = OKABE_ITO[0] }) {
  const height = Math.max(1, items.length) * ROW + 8;
  const svg = chartFrame({ width: WIDTH, height, title, desc, kind: 'bars', test });
  const [, high] = extent(items.map((item) => item.value));
  const x = linearScale([0, high || 1], [LABEL + 8, WIDTH - VALUE]);
  items.forEach((item, i) => {
    const top = 4 + i * ROW;
    const value = Number(item.value) || 0;
    svg.append(s('g', { class: 'chart-row' },
      s('title', {}, `${item.label}: ${format(item.value)}`),
      s('text', { x: LABEL, y: top + ROW / 2 + 4, 'text-anchor': 'end', class: 'chart-text' }, fitText(item.label, LABEL - 8)),
      s('rect', { x: LABEL + 8, y: top + 4, width: Math.max(value > 0 ? 2 : 0, x(value) - LABEL - 8), height: ROW - 8,
        fill: color, rx: 2 }),
      s('text', { x: x(value) + 6, y: top + ROW / 2 + 4, class: 'chart-text chart-value' }, format(item.value))));
  });
  return svg;
}
