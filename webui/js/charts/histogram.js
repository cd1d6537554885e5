// Distribution as columns (ratings 1–5, first-response times in buckets): count on top of each column.
import { OKABE_ITO } from './palette.js';
import { bandScale, extent, linearScale } from './scale.js';
import { chartFrame, s } from './svg.js';

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 20, right: 10, bottom: 34, left: 10 };

/** `histogram({title, desc, bins: [{label, count}], format, test})`: one column per bin, labelled below. */
export function histogram({ title, desc, bins, format = String, test = null }) {
  const svg = chartFrame({ width: WIDTH, height: HEIGHT, title, desc, kind: 'histogram', test });
  const [, high] = extent(bins.map((bin) => bin.count));
  const band = bandScale(bins.length, [MARGIN.left, WIDTH - MARGIN.right], 0.12);
  const bottom = HEIGHT - MARGIN.bottom;
  const y = linearScale([0, high || 1], [bottom, MARGIN.top]);
  svg.append(s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: bottom, y2: bottom, class: 'chart-baseline' }));
  bins.forEach((bin, i) => {
    const count = Number(bin.count) || 0;
    svg.append(s('g', { class: 'chart-bin' },
      s('title', {}, `${bin.label}: ${format(count)}`),
      s('rect', { x: band.start(i), y: y(count), width: band.width, height: bottom - y(count), fill: OKABE_ITO[0], rx: 2 }),
      s('text', { x: band.center(i), y: y(count) - 4, 'text-anchor': 'middle', class: 'chart-text chart-value' }, format(count)),
      s('text', { x: band.center(i), y: HEIGHT - 14, 'text-anchor': 'middle', class: 'chart-text' }, String(bin.label))));
  });
  return svg;
}
