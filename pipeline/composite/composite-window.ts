import type { BandSource } from '../collect/resolve-band-source.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { PixelWindow } from '../raster/types.js';
import { warpWindow, type Resampling, type TargetWindow } from '../warp/warp-window.js';
import { clearMask, type ClearRule } from './clear-mask.js';
import { compositeStack, type Observation } from './composite-stack.js';
import type { CompositePlan } from './plan-composite.js';

export interface WindowComposite {
  /** The composite's bands over the window (NaN: no clear observation, or outside the grid). */
  bands: Float32Array[];
  /** Clear observations per pixel (0 outside the grid). */
  clearCount: Uint16Array;
  /** Items that gave at least one pixel of the window, by id. */
  items: string[];
}

type Box = [number, number, number, number];
const touches = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/**
 * The composite over one window of the plan's grid, reading only the assets whose footprint touches it: each band of
 * each Item warped onto the window (reflectance by the plan's resampling, quality bands nearest) and scaled to
 * physical values; an acquisition's tiles mosaicked in id order, the first clear value winning, so an overlap is
 * counted once; then each pixel's clear observations composited. A window's pixels do not depend on how the grid is
 * cut into windows (the mask's dilation reads its margin around the window), so tiles composited apart agree with
 * the whole. Pixels outside the grid are NaN, as a reader pads a file.
 */
export async function compositeWindow(plan: CompositePlan, window: PixelWindow, open: (source: BandSource) => Promise<RasterReader>): Promise<WindowComposite> {
  const { grid } = plan;
  const n = window.width * window.height;
  const bands = plan.bands.map(() => new Float32Array(n).fill(NaN));
  const clearCount = new Uint16Array(n);
  const c0 = Math.max(window.col, 0);
  const r0 = Math.max(window.row, 0);
  const c1 = Math.min(window.col + window.width, grid.width);
  const r1 = Math.min(window.row + window.height, grid.height);
  if (c1 <= c0 || r1 <= r0) return { bands, clearCount, items: [] };
  const inner = { col: c0, row: r0, width: c1 - c0, height: r1 - r0 };
  const d = plan.dilate;
  const margin = { col: Math.max(0, c0 - d), row: Math.max(0, r0 - d), width: Math.min(grid.width, c1 + d) - Math.max(0, c0 - d), height: Math.min(grid.height, r1 + d) - Math.max(0, r0 - d) };
  const m = inner.width * inner.height;
  const [x0, res, , y0] = grid.geotransform;
  const target = (w: PixelWindow): TargetWindow => ({ crs: grid.crs, geotransform: [x0 + w.col * res, res, 0, y0 - w.row * res, 0, -res], width: w.width, height: w.height });
  const warp = async (source: BandSource, w: PixelWindow, resampling: Resampling): Promise<Float32Array> => {
    const [values] = await warpWindow(await open(source), target(w), { bands: [source.bandIndex], resampling, nodata: source.nodata });
    if (!source.categorical && (source.scale !== 1 || source.offset !== 0)) {
      for (let i = 0; i < values.length; i++) values[i] = values[i] * source.scale + source.offset;
    }
    return values;
  };
  // The quality band over the window grown by the dilation, cut back to the window after masking.
  const crop = (a: Float32Array | Uint8Array) => {
    const out = a instanceof Float32Array ? new Float32Array(m) : new Uint8Array(m);
    for (let r = 0; r < inner.height; r++) {
      const from = (r + inner.row - margin.row) * margin.width + (inner.col - margin.col);
      out.set(a.subarray(from, from + inner.width), r * inner.width);
    }
    return out;
  };
  const rule: ClearRule = plan.mask === 'none' ? { kind: 'none' } : { kind: plan.mask };
  const box: Box = [c0, r0, c1, r1];
  const contributed = new Set<string>();
  const observations: Observation[] = [];
  for (const acquisition of plan.acquisitions) {
    const members = acquisition.members.filter((mb) => !mb.footprint || touches(mb.footprint, box));
    if (members.length === 0) continue; // no data here: an observation without a usable pixel changes nothing
    const obsBands = plan.bands.map(() => new Float32Array(m).fill(NaN));
    const clear = new Uint8Array(m);
    for (const member of members) {
      const values: Float32Array[] = [];
      for (const b of member.bands) values.push(await warp(b, inner, b.categorical ? 'nearest' : plan.resampling));
      let quality: Float32Array | null = null;
      let itemClear: Uint8Array;
      if (member.quality) {
        const wide = await warp(member.quality, margin, 'nearest');
        itemClear = crop(clearMask(wide, wide.length, rule, { dilate: d, width: margin.width })) as Uint8Array;
        quality = crop(wide) as Float32Array;
      } else itemClear = clearMask(null, m, rule);
      let gave = false;
      for (let i = 0; i < m; i++) {
        if (clear[i] === 1 || !values.every((v) => v[i] === v[i])) continue;
        if (quality && quality[i] !== quality[i]) continue; // outside the quality band's footprint: unknown
        if (itemClear[i] === 1) {
          clear[i] = 1;
          gave = true;
          values.forEach((v, b) => (obsBands[b][i] = v[i]));
        }
      }
      if (gave) contributed.add(member.itemId);
    }
    observations.push({ bands: obsBands, clear, daysFromTarget: acquisition.daysFromTarget, cloudShare: acquisition.cloudCover });
  }
  if (observations.length > 0) {
    const composite = compositeStack(observations, plan.method);
    for (let r = 0; r < inner.height; r++) {
      const to = (r + inner.row - window.row) * window.width + (inner.col - window.col);
      const from = r * inner.width;
      composite.bands.forEach((b, k) => bands[k].set(b.subarray(from, from + inner.width), to));
      clearCount.set(composite.clearCount.subarray(from, from + inner.width), to);
    }
  }
  return { bands, clearCount, items: [...contributed].sort() };
}
