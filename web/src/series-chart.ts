import type { SeriesPoint } from './api.js';
import { formatNumber, svg } from './dom.js';

const W = 640;
const H = 280;
const PAD = { left: 64, right: 16, top: 16, bottom: 40 };

/** "Nice" tick values covering [min, max]. */
function ticks(min: number, max: number, count = 5): number[] {
  const span = max - min || Math.abs(max) || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= step0)!;
  const out: number[] = [];
  // From the last tick at or below min to the first at or above max, so every value lies inside the axis.
  for (let v = Math.floor(min / step) * step; out.length === 0 || out.at(-1)! < max - step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/**
 * One region and class over the runs of a schedule: the estimate as a line with points, its confidence interval as
 * a band, runs without a published estimate (suppressed) as hollow marks at the mapped value. Plain SVG.
 */
export function seriesChart(points: SeriesPoint[], title: string): SVGSVGElement {
  const x = (i: number) => PAD.left + (points.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (points.length - 1));
  const values = points.flatMap((p) => [p.ci_lower, p.ci_upper, p.estimate, p.mapped]).filter((v): v is number => typeof v === 'number');
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1);
  const yTicks = ticks(lo, hi);
  const [bottom, top] = [yTicks[0], yTicks.at(-1)!];
  const y = (v: number) => PAD.top + (1 - (v - bottom) / (top - bottom || 1)) * (H - PAD.top - PAD.bottom);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  chart.append(svg('title', {}, title));
  for (const t of yTicks) {
    chart.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t), class: 'grid' }), svg('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, formatNumber(t, t % 1 ? 2 : 0)));
  }
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every === 0) chart.append(svg('text', { x: x(i), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, p.period));
  });
  const withCi = points.map((p, i) => ({ p, i })).filter(({ p }) => p.ci_lower !== null && p.ci_upper !== null);
  if (withCi.length > 0) {
    const upper = withCi.map(({ p, i }) => `${x(i)},${y(p.ci_upper!)}`);
    const lower = withCi.map(({ p, i }) => `${x(i)},${y(p.ci_lower!)}`).reverse();
    chart.append(svg('polygon', { points: [...upper, ...lower].join(' '), class: 'band' }));
    // The interval of each run as a bar too: a band needs two runs to show.
    for (const { p, i } of withCi) chart.append(svg('path', { d: `M${x(i) - 5},${y(p.ci_upper!)}h10M${x(i)},${y(p.ci_upper!)}V${y(p.ci_lower!)}M${x(i) - 5},${y(p.ci_lower!)}h10`, class: 'interval' }));
  }
  const estimated = points.map((p, i) => ({ p, i })).filter(({ p }) => p.estimate !== null);
  if (estimated.length > 1) chart.append(svg('polyline', { points: estimated.map(({ p, i }) => `${x(i)},${y(p.estimate!)}`).join(' '), class: 'line' }));
  points.forEach((p, i) => {
    const v = p.estimate ?? p.mapped;
    const mark = svg('circle', { cx: x(i), cy: y(v), r: 4, class: p.estimate === null ? 'point suppressed' : `point status-${p.obs_status}` });
    mark.append(svg('title', {}, `${p.period}: ${p.estimate === null ? `not published (mapped ${formatNumber(p.mapped)})` : `${formatNumber(p.estimate)} ${p.unit}, CI ${formatNumber(p.ci_lower)} – ${formatNumber(p.ci_upper)}`}, grade ${p.grade}, ${p.obs_status}`));
    chart.append(mark);
  });
  chart.append(svg('text', { x: 12, y: PAD.top + (H - PAD.top - PAD.bottom) / 2, transform: `rotate(-90 12 ${PAD.top + (H - PAD.top - PAD.bottom) / 2})`, 'text-anchor': 'middle', class: 'tick' }, points[0]?.unit ?? ''));
  return chart;
}
