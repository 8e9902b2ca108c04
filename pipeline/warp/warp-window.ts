import { SatError } from '../core/errors.js';
import { makeTransform, sameCrs, type Crs } from '../geo/crs.js';
import { pixelToWorld, worldToPixel } from '../geo/geotransform.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { GeoTransform, PixelArray } from '../raster/types.js';

/** nearest for categorical bands (scene classification, QA bits), bilinear or cubic for reflectance. */
export type Resampling = 'nearest' | 'bilinear' | 'cubic';
export const RESAMPLINGS: Resampling[] = ['nearest', 'bilinear', 'cubic'];

/** A window of a target grid: its CRS, its geotransform (of the window's upper-left) and size. */
export interface TargetWindow {
  crs: Crs;
  geotransform: GeoTransform;
  width: number;
  height: number;
}

/** Exact transforms every STEP target columns, linear in between: UTM-to-UTM errors stay far below 0.001 px. */
const STEP = 16;

/**
 * Continuous source pixel coordinates ((0, 0) = the outer upper-left corner) of every target pixel centre, as
 * gdalwarp's transformer computes them. NaN where the point has no place in the source CRS.
 */
export function sourceCoordinates(target: TargetWindow, source: { crs: Crs; geotransform: GeoTransform }): { x: Float64Array; y: Float64Array } {
  const { width, height } = target;
  const toSource = makeTransform(target.crs, source.crs);
  const x = new Float64Array(width * height);
  const y = new Float64Array(width * height);
  const exact = (c: number, r: number, i: number) => {
    const [wx, wy] = pixelToWorld(target.geotransform, c + 0.5, r + 0.5);
    const [sx, sy] = toSource([wx, wy]);
    const [px, py] = Number.isFinite(sx) && Number.isFinite(sy) ? worldToPixel(source.geotransform, sx, sy) : [NaN, NaN];
    x[i] = px;
    y[i] = py;
  };
  for (let r = 0; r < height; r++) {
    const row = r * width;
    let c0 = 0;
    exact(0, r, row);
    while (c0 < width - 1) {
      const c1 = Math.min(width - 1, c0 + STEP);
      exact(c1, r, row + c1);
      const a = row + c0;
      const b = row + c1;
      if (Number.isFinite(x[a]) && Number.isFinite(x[b])) {
        for (let c = c0 + 1; c < c1; c++) {
          const t = (c - c0) / (c1 - c0);
          x[row + c] = x[a] + t * (x[b] - x[a]);
          y[row + c] = y[a] + t * (y[b] - y[a]);
        }
      } else {
        for (let c = c0 + 1; c < c1; c++) exact(c, r, row + c);
      }
      c0 = c1;
    }
  }
  return { x, y };
}

/**
 * Where the target window starts in the source when both are on one lattice — same CRS, same pixel size, no rotation,
 * origins a whole number of pixels apart (Sentinel-2's 10 m bands on a 10 m UTM grid of their zone) — else null.
 * There every resampling gives the source pixel itself: each target centre falls on a source centre.
 */
function latticeShift(target: TargetWindow, srcCrs: Crs, src: GeoTransform): { col: number; row: number } | null {
  const t = target.geotransform;
  if (t[2] !== 0 || t[4] !== 0 || src[2] !== 0 || src[4] !== 0 || !sameCrs(target.crs, srcCrs)) return null;
  if (Math.abs(t[1] - src[1]) > Math.abs(src[1]) * 1e-9 || Math.abs(t[5] - src[5]) > Math.abs(src[5]) * 1e-9) return null;
  const col = (t[0] - src[0]) / src[1];
  const row = (t[3] - src[3]) / src[5];
  if (Math.abs(col - Math.round(col)) > 1e-6 || Math.abs(row - Math.round(row)) > 1e-6) return null;
  return { col: Math.round(col), row: Math.round(row) };
}

/** The aligned case of warpWindow: the source's pixels copied, invalid ones (nodata, NaN, masked, outside) left NaN. */
async function copyAligned(source: RasterReader, shift: { col: number; row: number }, target: TargetWindow, options: { bands: number[]; nodata?: number | null }, out: Float32Array[]): Promise<Float32Array[]> {
  const { info } = source;
  const col0 = Math.max(0, shift.col);
  const row0 = Math.max(0, shift.row);
  const col1 = Math.min(info.width, shift.col + target.width);
  const row1 = Math.min(info.height, shift.row + target.height);
  if (col1 <= col0 || row1 <= row0) return out;
  const win = { col: col0, row: row0, width: col1 - col0, height: row1 - row0 };
  const data = await source.read(win, { bands: options.bands });
  const mask = await source.readMask(win);
  const nodata = options.nodata === undefined ? info.nodata : options.nodata;
  data.bands.forEach((band, b) => {
    const dst = out[b];
    for (let r = 0; r < win.height; r++) {
      const to = (row0 - shift.row + r) * target.width + (col0 - shift.col);
      for (let c = 0; c < win.width; c++) {
        const k = r * win.width + c;
        const v = band[k] as number;
        if (v === v && v !== nodata && (mask === null || mask[k] !== 0)) dst[to + c] = v;
      }
    }
  });
  return out;
}

/** Keys' cubic convolution kernel with a = -0.5, as GDAL's cubic. */
function cubic(t: number): number {
  const a = Math.abs(t);
  if (a <= 1) return (1.5 * a - 2.5) * a * a + 1;
  if (a < 2) return ((-0.5 * a + 2.5) * a - 4) * a + 2;
  return 0;
}
const bilinear = (t: number) => Math.max(0, 1 - Math.abs(t));

/**
 * Warps bands of a source raster onto a window of a target grid (windowed reprojection): the source is read once,
 * over the window it needs. Semantics follow gdalwarp so results can be checked against it: a target pixel takes a
 * value only if its centre falls inside the source raster; nearest takes the pixel there; bilinear and cubic weigh
 * the neighbours around it (pixel centres at +0.5), with the kernel widened by the scale when the target is coarser
 * than the source, and invalid neighbours (nodata, NaN, outside) left out with the weights renormalised. The result
 * is float32 per band, NaN where there is no value (float32 holds every uint8/uint16/int16 value exactly).
 */
export async function warpWindow(source: RasterReader, target: TargetWindow, options: { bands: number[]; resampling: Resampling; nodata?: number | null }): Promise<Float32Array[]> {
  const info = source.info;
  if (!info.geotransform || !info.proj4) throw new SatError('E_INPUT', `${info.source}: warping needs a georeferenced source`);
  const srcCrs: Crs = { epsg: info.epsg, proj4: info.proj4 };
  const n = target.width * target.height;
  const out = options.bands.map(() => new Float32Array(n).fill(NaN));
  const shift = latticeShift(target, srcCrs, info.geotransform);
  if (shift) return copyAligned(source, shift, target, options, out);
  const { x, y } = sourceCoordinates(target, { crs: srcCrs, geotransform: info.geotransform });

  // The kernel's reach, in source pixels: 1 (bilinear) or 2 (cubic), times the scale when the target is coarser.
  // Source pixels per target pixel along a target row (step 1) or column (step width): the median distance between
  // neighbours' source positions over a sample of the window.
  const scaleOf = (step: number) => {
    const d: number[] = [];
    const stride = Math.max(1, Math.floor(n / 512));
    for (let i = 0; i + step < n; i += stride) {
      if (step === 1 && (i + 1) % target.width === 0) continue;
      const v = Math.hypot(x[i + step] - x[i], y[i + step] - y[i]);
      if (Number.isFinite(v)) d.push(v);
    }
    d.sort((a, b) => a - b);
    return d.length ? d[d.length >> 1] : 1;
  };
  const resample = options.resampling === 'cubic' ? cubic : bilinear;
  const radius = options.resampling === 'cubic' ? 2 : 1;
  // As gdalwarp: source pixels per target pixel, snapped to a whole number within 0.05; no widening at all unless
  // the target is coarser by more than about 5 % in some direction (its 4-sample formula).
  const snap = (ratio: number) => (Math.abs(ratio - Math.round(ratio)) < 0.05 ? Math.round(ratio) : ratio);
  let scaleX = options.resampling === 'nearest' ? 1 : snap(scaleOf(1));
  let scaleY = options.resampling === 'nearest' ? 1 : target.height > 1 ? snap(scaleOf(target.width)) : scaleX;
  if (1 / scaleX >= 0.95 && 1 / scaleY >= 0.95) scaleX = scaleY = 1;
  const reachXAll = options.resampling === 'nearest' ? 0 : Math.ceil(radius * scaleX);
  const reachYAll = options.resampling === 'nearest' ? 0 : Math.ceil(radius * scaleY);

  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = x[i];
    const py = y[i];
    if (!(px >= 0 && py >= 0 && px < info.width && py < info.height)) continue;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  if (minX === Infinity) return out; // the window does not meet the source
  const col0 = Math.max(0, Math.floor(minX) - reachXAll - 1);
  const row0 = Math.max(0, Math.floor(minY) - reachYAll - 1);
  const col1 = Math.min(info.width, Math.floor(maxX) + reachXAll + 2);
  const row1 = Math.min(info.height, Math.floor(maxY) + reachYAll + 2);
  const win = { col: col0, row: row0, width: col1 - col0, height: row1 - row0 };
  const data = await source.read(win, { bands: options.bands });
  const mask = await source.readMask(win);
  const nodata = options.nodata === undefined ? info.nodata : options.nodata;
  const valid = (band: PixelArray, k: number) => {
    const v = band[k] as number;
    return v === v && v !== nodata && (mask === null || mask[k] !== 0);
  };

  options.bands.forEach((_, b) => {
    const band = data.bands[b];
    const dst = out[b];
    for (let i = 0; i < n; i++) {
      const px = x[i];
      const py = y[i];
      // Inside the source, as gdalwarp decides it (its +1e-10 settles centres that fall exactly on an edge).
      if (!(px >= 0 && py >= 0 && px < info.width && py < info.height)) continue;
      if (options.resampling === 'nearest') {
        const k = (Math.min(info.height - 1, Math.floor(py + 1e-10)) - row0) * win.width + (Math.min(info.width - 1, Math.floor(px + 1e-10)) - col0);
        if (valid(band, k)) dst[i] = band[k] as number;
        continue;
      }
      // Neighbours around the point, in source pixel-centre coordinates.
      const cx = px - 0.5;
      const cy = py - 0.5;
      const ix = Math.floor(cx);
      const iy = Math.floor(cy);
      // gdalwarp's cubic falls back to bilinear where the 4 x 4 neighbourhood leaves the source.
      const atBorder = reachXAll === 2 && scaleX === 1 && scaleY === 1 && (ix - 1 < 0 || iy - 1 < 0 || ix + 2 >= info.width || iy + 2 >= info.height);
      const kernel = atBorder ? bilinear : resample;
      const reachX = atBorder ? 1 : reachXAll;
      const reachY = atBorder ? 1 : reachYAll;
      let sum = 0;
      let weight = 0;
      for (let r = iy - reachY + 1; r <= iy + reachY; r++) {
        if (r < row0 || r >= row1) continue;
        const wy = kernel((cy - r) / scaleY);
        if (wy === 0) continue;
        for (let c = ix - reachX + 1; c <= ix + reachX; c++) {
          if (c < col0 || c >= col1) continue;
          const k = (r - row0) * win.width + (c - col0);
          if (!valid(band, k)) continue;
          const w = wy * kernel((cx - c) / scaleX);
          sum += w * (band[k] as number);
          weight += w;
        }
      }
      if (Math.abs(weight) > 1e-5) dst[i] = sum / weight;
    }
  });
  return out;
}
