// Hour-of-day × weekday heat map: shade by lightness, the count written in each cell, a legend of levels.
import { HEAT_RAMP, heatTextColor } from './palette.js';
import { heatGrid, heatLevel } from './scale.js';
import { chartFrame, s } from './svg.js';

const CELL = 24;
const LEFT = 44;
const TOP = 22;

/**
 * `heatMap({title, desc, cells: [{weekday, hour, count}], weekdays, format, lessLabel, moreLabel, test})`:
 * weekday 0 is Monday; `weekdays` are the 7 row names in that order.
 */
export function heatMap({ title, desc, cells, weekdays, format = String, lessLabel, moreLabel, test = null }) {
  const { grid, max } = heatGrid(cells);
  const width = LEFT + 24 * CELL + 8;
  const height = TOP + 7 * CELL + 40;
  const svg = chartFrame({ width, height, title, desc, kind: 'heat', test });
  for (let hour = 0; hour < 24; hour += 3) {
    svg.append(s('text', { x: LEFT + hour * CELL + CELL / 2, y: TOP - 8, 'text-anchor': 'middle', class: 'chart-text' },
      String(hour).padStart(2, '0')));
  }
  grid.forEach((row, weekday) => {
    svg.append(s('text', { x: LEFT - 6, y: TOP + weekday * CELL + CELL / 2 + 4, 'text-anchor': 'end', class: 'chart-text' },
      weekdays[weekday]));
    row.forEach((count, hour) => {
      const level = heatLevel(count, max, HEAT_RAMP.length);
      const x = LEFT + hour * CELL;
      const y = TOP + weekday * CELL;
      const cell = s('g', { class: 'chart-cell', 'data-level': level },
        s('title', {}, `${weekdays[weekday]} ${String(hour).padStart(2, '0')}:00: ${format(count)}`),
        s('rect', { x: x + 1, y: y + 1, width: CELL - 2, height: CELL - 2, rx: 2,
          fill: level ? HEAT_RAMP[level] : 'none', class: level ? null : 'chart-empty' }));
      if (count > 0) {
        cell.append(s('text', { x: x + CELL / 2, y: y + CELL / 2 + 3.5, 'text-anchor': 'middle', fill: heatTextColor(level),
          class: 'chart-cell-text' }, count > 999 ? '999+' : format(count)));
      }
      svg.append(cell);
    });
  });
  const legendY = TOP + 7 * CELL + 14;
  svg.append(s('text', { x: LEFT, y: legendY + 13, class: 'chart-text' }, lessLabel));
  HEAT_RAMP.forEach((fill, level) => {
    svg.append(s('rect', { x: LEFT + 44 + level * 22, y: legendY + 2, width: 20, height: 14, rx: 2,
      fill: level ? fill : 'none', class: level ? null : 'chart-empty' }));
  });
  svg.append(s('text', { x: LEFT + 52 + HEAT_RAMP.length * 22, y: legendY + 13, class: 'chart-text' }, moreLabel));
  return svg;
}
