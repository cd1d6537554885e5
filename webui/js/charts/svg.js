// SVG building for the charts: elements by namespace, text only as text nodes, an accessible frame.
import { fitText, textWidth } from './scale.js';

export const SVG_NS = 'http://www.w3.org/2000/svg';
let chartCounter = 0;

/** `s('rect', {x: 1, fill: '#000'}, child…)`: attributes set as given, strings appended as text nodes. */
export function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A unique id for a chart's title and description. */
export function chartId(prefix = 'chart') {
  chartCounter += 1;
  return `${prefix}-${chartCounter}`;
}

/**
 * The outer `<svg role="img">` of a chart, `width` × `height` user units that scale to the
 * container (CSS sets width: 100%), named by its `<title>` and summarised by its `<desc>`.
 */
export function chartFrame({ width, height, title, desc, kind, test = null }) {
  const id = chartId(kind);
  return s('svg', {
    xmlns: SVG_NS, viewBox: `0 0 ${width} ${height}`, role: 'img', class: `chart chart-${kind}`,
    'aria-labelledby': `${id}-title ${id}-desc`, preserveAspectRatio: 'xMidYMid meet', 'data-test': test,
  }, s('title', { id: `${id}-title` }, title), s('desc', { id: `${id}-desc` }, desc));
}

/** A marker of `shape` centred on (x, y), `size` across: the way a series is told apart without colour. */
export function marker(shape, x, y, size, attrs = {}) {
  const r = size / 2;
  const points = (list) => list.map(([px, py]) => `${(x + px * r).toFixed(1)},${(y + py * r).toFixed(1)}`).join(' ');
  switch (shape) {
    case 'square': return s('rect', { x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7, ...attrs });
    case 'triangle': return s('polygon', { points: points([[0, -1.1], [1, 0.8], [-1, 0.8]]), ...attrs });
    case 'diamond': return s('polygon', { points: points([[0, -1.15], [1.15, 0], [0, 1.15], [-1.15, 0]]), ...attrs });
    case 'cross': return s('path', { d: `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`,
      'stroke-width': 2.2, stroke: attrs.fill, fill: 'none' });
    case 'star': return s('polygon', { points: points([[0, -1.2], [0.35, -0.35], [1.2, -0.3], [0.5, 0.25], [0.75, 1.1],
      [0, 0.6], [-0.75, 1.1], [-0.5, 0.25], [-1.2, -0.3], [-0.35, -0.35]]), ...attrs });
    default: return s('circle', { cx: x, cy: y, r, ...attrs });
  }
}

/** A legend entry (marker, dash sample and name) laid out from (x, y); returns `[node, width]`. */
export function legendItem({ name, look, x, y }) {
  const label = String(name);
  const shown = fitText(label, 180);
  const width = 40 + textWidth(shown);
  const node = s('g', { class: 'chart-legend-item', transform: `translate(${x},${y})` },
    s('line', { x1: 0, y1: 0, x2: 22, y2: 0, stroke: look.color, 'stroke-width': 2.5, 'stroke-dasharray': look.dash || null }),
    marker(look.shape, 11, 0, 8, { fill: look.color }),
    s('text', { x: 28, y: 4, class: 'chart-text' }, shown));
  return [node, width];
}
