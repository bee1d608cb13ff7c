// bench/chart.svg: horizontal bars of closed-loop req/s (median of the rounds) per limiter, allow
// and block, with the baseline and the 0.90x goal as vertical lines; one panel per key mode measured.
import { fmt, median } from '../support/stats.mjs';
import { LIMITERS } from './targets.mjs';

const WIDTH = 820;
const LABEL = 150; // the limiter names' column
const VALUE = 130; // room right of the longest bar for its value
const BAR = 13;
const BAR_GAP = 3;
const GROUP = 2 * BAR + BAR_GAP + 12;
const HEADER = 52; // a panel's title and the lines' labels
const COLORS = { allow: '#2f6db5', block: '#d9822b' };
const GOAL = 0.9;

const text = (x, y, content, attrs = '') => `<text x="${x}" y="${y}" ${attrs}>${content}</text>`;

function panel(title, byName, top) {
  const baseline = median(byName.baseline.map((r) => r.rps));
  const bars = LIMITERS.flatMap(({ target }) =>
    ['allow', 'block'].map((mode) => {
      const rows = byName[`${target} ${mode}`];
      const ratio = median(rows.map((r, i) => r.rps / byName.baseline[i].rps));
      return { target, mode, rps: median(rows.map((r) => r.rps)), ratio };
    }),
  );
  const scale = (WIDTH - LABEL - VALUE) / Math.max(baseline, ...bars.map((b) => b.rps));
  const at = (rps) => LABEL + rps * scale;
  const height = HEADER + LIMITERS.length * GROUP;
  const parts = [text(0, top + 16, title, 'font-weight="bold"')];
  for (const [i, bar] of bars.entries()) {
    const group = Math.floor(i / 2);
    const y = top + HEADER + group * GROUP + (bar.mode === 'block' ? BAR + BAR_GAP : 0);
    if (bar.mode === 'allow') parts.push(text(LABEL - 8, y + BAR + 2, bar.target, 'text-anchor="end"'));
    parts.push(
      `<rect x="${LABEL}" y="${y}" width="${(bar.rps * scale).toFixed(1)}" height="${BAR}" fill="${COLORS[bar.mode]}"/>`,
      text((at(bar.rps) + 5).toFixed(1), y + BAR - 2, `${fmt(bar.rps)} (${fmt(bar.ratio, 2)}x)`, 'font-size="11"'),
    );
  }
  // The baseline's label reads rightwards from its line, the goal's leftwards, so neither crosses the other.
  const line = (rps, label, anchor, dash) => [
    `<line x1="${at(rps).toFixed(1)}" y1="${top + HEADER - 20}" x2="${at(rps).toFixed(1)}" y2="${top + height}" stroke="#333"${dash}/>`,
    text(
      (at(rps) + (anchor === 'start' ? 4 : -4)).toFixed(1),
      top + HEADER - 11,
      label,
      `font-size="11" text-anchor="${anchor}"`,
    ),
  ];
  parts.push(
    ...line(baseline, `baseline ${fmt(baseline)} req/s`, 'start', ''),
    ...line(GOAL * baseline, `goal ${fmt(GOAL, 2)}x`, 'end', ' stroke-dasharray="4 3"'),
  );
  return { svg: parts.join('\n'), height };
}

/** The chart as an SVG document, from bench/throughput.mjs's results. */
export function chart(results) {
  const panels = [
    ['Closed loop, one hot key: req/s (median of rounds, x baseline)', results.closed.one],
    ['Closed loop, many client keys: req/s (median of rounds, x baseline)', results.closed.many],
  ].filter(([, byName]) => byName.baseline);
  const legend = Object.entries(COLORS).map(
    ([mode, color], i) =>
      `<rect x="${LABEL + i * 90}" y="4" width="12" height="12" fill="${color}"/>${text(LABEL + i * 90 + 17, 14, mode)}`,
  );
  const body = [];
  let top = 24;
  for (const [title, byName] of panels) {
    const { svg, height } = panel(title, byName, top);
    body.push(svg);
    top += height + 24;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${top}" fill="#fff"/>`,
    ...legend,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
