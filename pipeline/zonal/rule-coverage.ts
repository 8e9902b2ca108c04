import type { PixelWindow } from '../raster/types.js';
import { exactCoverage } from './exact-coverage.js';
import type { PixelRing } from './pixel-rings.js';

/**
 * The pixel-centre rule (GDAL's default rasterisation, rasterstats' default): a cell counts fully when its
 * centre is inside the polygon (even-odd rule per part), else not at all.
 */
export function centroidCoverage(polygons: PixelRing[][], window: PixelWindow): Float64Array {
  const { col: c0, row: r0, width: w } = window;
  const out = new Float64Array(w * window.height);
  centroidSpans(polygons, window, (row, from, to) => out.fill(1, (row - r0) * w + from - c0, (row - r0) * w + to - c0));
  return out;
}

/**
 * The cells of `window` whose centre is inside the polygon, as runs: `span(row, fromCol, toCol)` (toCol exclusive)
 * for each run of each part (parts may overlap; a run may come once per part). Scanline: per row, the x of every
 * edge crossing the row centre, sorted, filled pairwise; only the edges spanning the row are looked at (an active
 * edge list), so a region with many vertices costs its crossings, not its vertices, per row.
 */
export function centroidSpans(polygons: PixelRing[][], window: PixelWindow, span: (row: number, from: number, to: number) => void): void {
  const { col: c0, row: r0, width: w, height: h } = window;
  const xs: number[] = [];
  for (const rings of polygons) {
    // Edges by the first row centre they may cross; an edge is active for centres in [min y, max y).
    const edges: { ax: number; ay: number; bx: number; by: number; top: number; bottom: number }[] = [];
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) {
        const [ax, ay] = ring[i];
        const [bx, by] = ring[i + 1];
        if (ay === by) continue; // horizontal: never crosses a centre line (half-open in y)
        edges.push({ ax, ay, bx, by, top: Math.min(ay, by), bottom: Math.max(ay, by) });
      }
    }
    edges.sort((a, b) => a.top - b.top);
    let active: typeof edges = [];
    let next = 0;
    for (let r = 0; r < h; r++) {
      const yc = r0 + r + 0.5;
      while (next < edges.length && edges[next].top <= yc) active.push(edges[next++]);
      if (active.length === 0) continue;
      active = active.filter((e) => e.bottom > yc);
      xs.length = 0;
      // Half-open in y so a vertex on the scanline is counted once.
      for (const { ax, ay, bx, by } of active) xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Cells whose centre lies in (xs[k], xs[k+1]]: GDAL's rounding, so a centre exactly on an edge goes the same way.
        const from = Math.max(c0, Math.floor(xs[k] + 0.5));
        const to = Math.min(c0 + w, Math.floor(xs[k + 1] + 0.5));
        if (to > from) span(r0 + r, from, to);
      }
    }
  }
}

/**
 * The all-touched rule (GDAL ALL_TOUCHED, rasterstats all_touched=True): every cell the polygon's interior
 * or boundary touches counts fully. Interior from exact coverage; boundary by walking each edge through the cells it crosses.
 */
export function allTouchedCoverage(polygons: PixelRing[][], window: PixelWindow): Float64Array {
  const { col: c0, row: r0, width: w, height: h } = window;
  const out = exactCoverage(polygons, window);
  for (let i = 0; i < out.length; i++) if (out[i] > 0) out[i] = 1;
  const mark = (c: number, r: number) => {
    if (c >= c0 && c < c0 + w && r >= r0 && r < r0 + h) out[(r - r0) * w + (c - c0)] = 1;
  };
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) walkEdge(ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1], mark);
    }
  }
  return out;
}

/** Visits every cell whose interior the segment passes through (Amanatides–Woo grid traversal). */
function walkEdge(x0: number, y0: number, x1: number, y1: number, visit: (c: number, r: number) => void): void {
  let c = Math.floor(x0);
  let r = Math.floor(y0);
  const cEnd = Math.floor(x1);
  const rEnd = Math.floor(y1);
  const dx = x1 - x0;
  const dy = y1 - y0;
  const stepC = dx > 0 ? 1 : -1;
  const stepR = dy > 0 ? 1 : -1;
  const tDeltaC = dx !== 0 ? Math.abs(1 / dx) : Infinity;
  const tDeltaR = dy !== 0 ? Math.abs(1 / dy) : Infinity;
  let tMaxC = dx !== 0 ? ((dx > 0 ? c + 1 - x0 : x0 - c) * tDeltaC) : Infinity;
  let tMaxR = dy !== 0 ? ((dy > 0 ? r + 1 - y0 : y0 - r) * tDeltaR) : Infinity;
  const maxSteps = Math.abs(cEnd - c) + Math.abs(rEnd - r) + 2;
  visit(c, r);
  for (let s = 0; s < maxSteps && (c !== cEnd || r !== rEnd); s++) {
    if (tMaxC < tMaxR) {
      c += stepC;
      tMaxC += tDeltaC;
    } else {
      r += stepR;
      tMaxR += tDeltaR;
    }
    if (Math.min(tMaxC - tDeltaC, tMaxR - tDeltaR) > 1) break;
    visit(c, r);
  }
}
