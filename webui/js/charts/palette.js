// Colours, shapes and dash patterns for series: Okabe–Ito (safe for colour-blind readers), never colour alone.

/** Okabe & Ito's eight colours, black last (it stands for "other"), ordered for contrast on white and dark. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Point markers that tell series apart without colour. */
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'];

/** Stroke dash patterns for lines (SVG `stroke-dasharray`; '' is solid). */
export const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

/** How series `index` is drawn: colour, marker shape and dash, each cycling on its own. */
export function seriesStyle(index) {
  const i = Math.max(0, Math.trunc(index) || 0);
  return { color: OKABE_ITO[i % (OKABE_ITO.length - 2)], shape: SHAPES[i % SHAPES.length], dash: DASHES[i % DASHES.length] };
}

/**
 * A sequential blue ramp for heat maps: lightness alone carries the value, which every kind of
 * colour vision reads; level 0 (nothing) is left to the background.
 */
export const HEAT_RAMP = ['none', '#deebf7', '#9ecae1', '#4292c6', '#2171b5', '#08306b'];

/** Text on a heat-map cell of `level`: dark on light shades, white on dark ones. */
export function heatTextColor(level) {
  return level >= 3 ? '#ffffff' : '#08306b';
}
