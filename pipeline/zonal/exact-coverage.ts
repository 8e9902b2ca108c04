import type { PixelWindow } from '../raster/types.js';
import type { PixelRing } from './pixel-rings.js';

/**
 * Exact coverage fractions: for every cell of `window`, the share of its area inside the polygon(s),
 * computed analytically (no sampling). Each ring edge adds its signed area contribution to the cells of
 * every row it crosses; a running sum along each row turns those into coverage (the accumulation method
 * of exact-area font rasterisers). Rings must be oriented as pixelRings() does (holes subtract).
 * Parts of edges left of the window are moved onto its left border, which leaves the winding inside unchanged.
 * Returns row-major fractions in [0, 1], window.width * window.height long.
 */
export function exactCoverage(polygons: PixelRing[][], window: PixelWindow): Float64Array {
  const { col: c0, row: r0, width: w, height: h } = window;
  const stride = w + 2;
  const acc = new Float64Array(h * stride);
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) {
        addEdge(acc, stride, w, h, ring[i][0] - c0, ring[i][1] - r0, ring[i + 1][0] - c0, ring[i + 1][1] - r0);
      }
    }
  }
  const out = new Float64Array(w * h);
  for (let r = 0; r < h; r++) {
    let sum = 0;
    for (let c = 0; c < w; c++) {
      sum += acc[r * stride + c];
      // Clamp away rounding noise (and overlapping parts of invalid multipolygons).
      const v = sum;
      out[r * w + c] = v < 1e-12 ? 0 : v > 1 - 1e-12 ? 1 : v;
    }
  }
  return out;
}

/** Splits an edge where it crosses x = 0 and x = w and adds each piece, clamped into [0, w]. */
function addEdge(acc: Float64Array, stride: number, w: number, h: number, x0: number, y0: number, x1: number, y1: number): void {
  if (y0 === y1) return;
  if ((y0 < 0 && y1 < 0) || (y0 > h && y1 > h)) return;
  const cuts: number[] = [0, 1];
  for (const bound of [0, w]) {
    if ((x0 < bound && x1 > bound) || (x0 > bound && x1 < bound)) cuts.push((bound - x0) / (x1 - x0));
  }
  cuts.sort((a, b) => a - b);
  for (let k = 0; k < cuts.length - 1; k++) {
    const ta = cuts[k];
    const tb = cuts[k + 1];
    if (tb <= ta) continue;
    const clampX = (t: number) => Math.min(w, Math.max(0, x0 + (x1 - x0) * t));
    addClampedEdge(acc, stride, h, clampX(ta), y0 + (y1 - y0) * ta, clampX(tb), y0 + (y1 - y0) * tb);
  }
}

/**
 * Adds one edge lying within 0 <= x <= w: for each row it crosses, the area between the edge and the
 * right end of the row is distributed over the cells the edge passes (the rest follows by the running sum).
 */
function addClampedEdge(acc: Float64Array, stride: number, h: number, ax: number, ay: number, bx: number, by: number): void {
  if (ay === by) return;
  let dir = 1;
  let [x0, y0, x1, y1] = [ax, ay, bx, by];
  if (y0 > y1) {
    dir = -1;
    [x0, y0, x1, y1] = [bx, by, ax, ay];
  }
  const dxdy = (x1 - x0) / (y1 - y0);
  const rowStart = Math.max(0, Math.floor(y0));
  const rowEnd = Math.min(h, Math.ceil(y1));
  for (let row = rowStart; row < rowEnd; row++) {
    const ya = Math.max(row, y0);
    const yb = Math.min(row + 1, y1);
    if (yb <= ya) continue;
    const d = (yb - ya) * dir;
    const xa = x0 + (ya - y0) * dxdy;
    const xb = x0 + (yb - y0) * dxdy;
    const lo = Math.min(xa, xb);
    const hi = Math.max(xa, xb);
    const base = row * stride;
    const i0 = Math.floor(lo);
    const i1 = Math.ceil(hi);
    if (i1 <= i0 + 1) {
      // Within one cell column: the trapezoid to the right of the edge, by its mid x.
      const xm = 0.5 * (xa + xb) - i0;
      acc[base + i0] += d * (1 - xm);
      acc[base + i0 + 1] += d * xm;
      continue;
    }
    // Across several cells: area grows quadratically in the first and last cells, linearly between.
    const s = 1 / (hi - lo);
    const f0 = lo - i0;
    const a0 = 0.5 * s * (1 - f0) * (1 - f0);
    const f1 = hi - i1 + 1;
    const am = 0.5 * s * f1 * f1;
    acc[base + i0] += d * a0;
    if (i1 === i0 + 2) {
      acc[base + i0 + 1] += d * (1 - a0 - am);
    } else {
      const a1 = s * (1.5 - f0);
      acc[base + i0 + 1] += d * (a1 - a0);
      for (let i = i0 + 2; i < i1 - 1; i++) acc[base + i] += d * s;
      const a2 = a1 + (i1 - i0 - 3) * s;
      acc[base + i1 - 1] += d * (1 - a2 - am);
    }
    acc[base + i1] += d * am;
  }
}
