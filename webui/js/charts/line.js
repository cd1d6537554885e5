// Line (or area) chart over time: one x label per point, several series told apart by colour, marker and dash.
import { seriesStyle } from './palette.js';
import { extent, linearScale, niceTicks, sparseIndexes } from './scale.js';
import { chartFrame, legendItem, marker, s } from './svg.js';

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 30, right: 16, bottom: 30, left: 52 };

function legend(series) {
  let x = MARGIN.left;
  return s('g', { class: 'chart-legend' }, series.map((item, i) => {
    const [node, width] = legendItem({ name: item.name, look: seriesStyle(i), x, y: 12 });
    x += width;
    return node;
  }));
}

/**
 * `lineChart({title, desc, labels, series: [{name, values}], area, formatX, formatY, test})`:
 * `labels[i]` names point i of every series (a day, an hour); missing values break the line.
 */
export function lineChart({ title, desc, labels, series, area = false, formatX = String, formatY = String, test = null }) {
  const svg = chartFrame({ width: WIDTH, height: HEIGHT, title, desc, kind: 'line', test });
  const [, high] = extent(series.flatMap((item) => item.values));
  const ticks = niceTicks(0, high, 4, { integer: Number.isInteger(high) });
  const plotRight = WIDTH - MARGIN.right;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const x = labels.length > 1 ? linearScale([0, labels.length - 1], [MARGIN.left + 6, plotRight - 6])
    : () => (MARGIN.left + plotRight) / 2;
  const y = linearScale([0, ticks[ticks.length - 1]], [plotBottom, MARGIN.top]);
  svg.append(
    s('g', { class: 'chart-grid' }, ticks.map((tick) => s('g', {},
      s('line', { x1: MARGIN.left, x2: plotRight, y1: y(tick), y2: y(tick) }),
      s('text', { x: MARGIN.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'chart-text' }, formatY(tick))))),
    s('g', { class: 'chart-axis' }, sparseIndexes(labels.length, 7).map((i) =>
      s('text', { x: x(i), y: HEIGHT - 10, 'text-anchor': 'middle', class: 'chart-text' }, formatX(labels[i])))),
    series.length > 1 ? legend(series) : null);
  series.forEach((item, index) => {
    const look = seriesStyle(index);
    const points = item.values.map((value, i) => (Number.isFinite(value) ? [x(i), y(value)] : null));
    const runs = [[]];
    for (const point of points) {
      if (point) runs[runs.length - 1].push(point);
      else if (runs[runs.length - 1].length) runs.push([]);
    }
    const group = s('g', { class: 'chart-series', 'data-series': index });
    for (const run of runs.filter((part) => part.length)) {
      const path = run.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
      if (area) {
        group.append(s('path', { d: `${path}L${run[run.length - 1][0].toFixed(1)},${plotBottom}L${run[0][0].toFixed(1)},${plotBottom}Z`,
          fill: look.color, 'fill-opacity': 0.16, stroke: 'none' }));
      }
      group.append(s('path', { d: path, fill: 'none', stroke: look.color, 'stroke-width': 2.5,
        'stroke-dasharray': look.dash || null, 'stroke-linejoin': 'round' }));
    }
    const showMarkers = labels.length <= 40;
    points.forEach((point, i) => {
      if (!point || !showMarkers) return;
      const dot = marker(look.shape, point[0], point[1], 7, { fill: look.color, class: 'chart-point' });
      dot.append(s('title', {}, `${item.name} · ${formatX(labels[i])}: ${formatY(item.values[i])}`));
      group.append(dot);
    });
    svg.append(group);
  });
  return svg;
}
