// Conversion funnel: one centred bar per step, with its count and its share of the first and previous step.
import { OKABE_ITO } from './palette.js';
import { funnelSteps, linearScale } from './scale.js';
import { chartFrame, s } from './svg.js';

const WIDTH = 640;
const ROW = 46;

/**
 * `funnelChart({title, desc, steps: [{label, count}], formatCount, formatShare, test})`: bars
 * narrow with the count; the text (not the colour) says how many made it.
 */
export function funnelChart({ title, desc, steps, formatCount = String, formatShare = String, test = null }) {
  const rows = funnelSteps(steps);
  const height = Math.max(1, rows.length) * ROW + 8;
  const svg = chartFrame({ width: WIDTH, height, title, desc, kind: 'funnel', test });
  const top = Math.max(1, ...rows.map((row) => row.count));
  const half = linearScale([0, top], [0, (WIDTH - 40) / 2]);
  rows.forEach((row, i) => {
    const y = 4 + i * ROW;
    const width = Math.max(row.count > 0 ? 3 : 0, half(row.count) * 2);
    const share = i === 0 ? '' : ` · ${formatShare(row.ofPrevious)} / ${formatShare(row.ofFirst)}`;
    svg.append(s('g', { class: 'chart-step' },
      s('rect', { x: WIDTH / 2 - width / 2, y, width, height: ROW - 24, rx: 3, fill: OKABE_ITO[i % 2 ? 4 : 0] }),
      s('text', { x: WIDTH / 2, y: y + ROW - 8, 'text-anchor': 'middle', class: 'chart-text' },
        `${row.label}: ${formatCount(row.count)}${share}`)));
  });
  return svg;
}
