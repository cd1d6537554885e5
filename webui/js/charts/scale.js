// Chart geometry without the DOM: linear and band scales, "nice" ticks, bins, heat-map grids, funnel steps.

/** A function mapping `[d0, d1]` onto `[r0, r1]` linearly; a zero-width domain maps to the range's start. */
export function linearScale([d0, d1], [r0, r1]) {
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** A step of 1, 2 or 5 × 10ⁿ that cuts `span` into about `count` parts. */
export function niceStep(span, count = 5) {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  // Round to the nearest of 1, 2, 5, 10 on a log scale (as d3's tickStep does): 2.3 → 2, 3.2 → 5.
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.sqrt(2) ? 2 : 1;
  return nice * power;
}

/**
 * Ticks for an axis from `min` to `max`: round numbers, starting at or below `min`, ending at or
 * above `max` (so bars never overflow the last gridline). `integer` keeps steps whole (counts).
 */
export function niceTicks(min, max, count = 5, { integer = false } = {}) {
  let low = Number.isFinite(min) ? min : 0;
  let high = Number.isFinite(max) ? max : 0;
  if (low > high) [low, high] = [high, low];
  if (low === high) high = low === 0 ? 1 : low + Math.abs(low);
  let step = niceStep(high - low, count);
  if (integer) step = Math.max(1, Math.round(step));
  const start = Math.floor(low / step) * step;
  const ticks = [];
  for (let value = start; value < high + step / 2 && ticks.length < 50; value += step) {
    ticks.push(Number(value.toPrecision(12)));
  }
  if (ticks[ticks.length - 1] < high) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** `[min, max]` of the finite numbers in `values` (`[0, 0]` when there are none). */
export function extent(values) {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min === Infinity ? [0, 0] : [min, max];
}

/** `n` equal bands across `[r0, r1]`: `{start(i), width, center(i)}`, `padding` a fraction of each band. */
export function bandScale(n, [r0, r1], padding = 0.2) {
  const step = n > 0 ? (r1 - r0) / n : 0;
  const width = step * (1 - padding);
  return {
    step,
    width,
    start: (i) => r0 + i * step + (step - width) / 2,
    center: (i) => r0 + i * step + step / 2,
  };
}

/** At most `max` of `n` label indexes, evenly spaced and always the first and last (crowded x axes). */
export function sparseIndexes(n, max = 8) {
  if (n <= 0) return [];
  if (n <= max) return [...Array(n).keys()];
  const every = Math.ceil((n - 1) / (max - 1));
  const picked = [];
  for (let i = 0; i < n - 1; i += every) picked.push(i);
  if (n - 1 - picked[picked.length - 1] < every / 2 && picked.length > 1) picked.pop();
  picked.push(n - 1);
  return picked;
}

/**
 * Count `values` into `count` equal bins from `min` to `max` (the last bin includes `max`):
 * `[{from, to, count}]`. Values outside are clamped into the end bins.
 */
export function histogramBins(values, count = 10, [min, max] = extent(values)) {
  const bins = count > 0 ? count : 1;
  const width = max > min ? (max - min) / bins : 1;
  const result = Array.from({ length: bins }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width, count: 0 }));
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const index = Math.min(bins - 1, Math.max(0, Math.floor((value - min) / width)));
    result[index].count += 1;
  }
  return result;
}

/**
 * A 7 × 24 grid (weekday × hour) from `[{weekday, hour, count}]`; weekday 0 is Monday unless
 * `sundayFirst` says the source counts Sunday as 0. Unknown cells are dropped, repeats added up.
 */
export function heatGrid(cells, { sundayFirst = false } = {}) {
  const grid = Array.from({ length: 7 }, () => Array(24).fill(0));
  let max = 0;
  let total = 0;
  for (const cell of cells || []) {
    const weekday = sundayFirst ? (Number(cell.weekday) + 6) % 7 : Number(cell.weekday);
    const hour = Number(cell.hour);
    const count = Number(cell.count);
    if (!Number.isInteger(weekday) || weekday < 0 || weekday > 6) continue;
    if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isFinite(count)) continue;
    grid[weekday][hour] += count;
    total += count;
    if (grid[weekday][hour] > max) max = grid[weekday][hour];
  }
  return { grid, max, total };
}

/** Which of `levels` shades a heat-map value gets: 0 only for nothing, else 1…levels-1 by share of `max`. */
export function heatLevel(value, max, levels = 6) {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(levels - 1, Math.ceil((value / max) * (levels - 1))));
}

/**
 * Funnel steps from `[{key, count}]`: each with its share of the first step and of the step
 * before (`null` where that step is zero).
 */
export function funnelSteps(steps) {
  const first = steps.length ? Number(steps[0].count) || 0 : 0;
  return steps.map((step, i) => {
    const count = Number(step.count) || 0;
    const previous = i === 0 ? count : Number(steps[i - 1].count) || 0;
    return { ...step, count, ofFirst: first > 0 ? count / first : null, ofPrevious: previous > 0 ? count / previous : null };
  });
}

/** About how wide `text` is at the charts' 13px: CJK characters a full em, others a little over half. */
export function textWidth(text) {
  let width = 0;
  for (const char of String(text)) width += char.codePointAt(0) >= 0x2e80 ? 13 : 7.5;
  return width;
}

/** `text` shortened with an ellipsis to fit `max` user units (the whole text stays in titles and tables). */
export function fitText(text, max) {
  const value = String(text ?? '');
  if (textWidth(value) <= max) return value;
  let cut = '';
  for (const char of value) {
    if (textWidth(`${cut}${char}…`) > max) break;
    cut += char;
  }
  return `${cut}…`;
}
