import sharp from 'sharp';
import { SatError } from '../core/errors.js';
import type { RasterReader } from '../raster/open-raster.js';
import { readStrips } from '../raster/read-strips.js';

export interface TrueColourOptions {
  /** Longest side of the preview in pixels; default 1024. Smaller scenes are not enlarged. */
  maxSide?: number;
  /** Fixed stretch per band [low, high] in stored values (e.g. reflectance 0..0.25); default: the percentile stretch. */
  ranges?: [[number, number], [number, number], [number, number]];
}

/** Percentiles of the linear stretch (of the valid values of each band). */
const LOW_PERCENTILE = 0.02;
const HIGH_PERCENTILE = 0.98;

/**
 * A PNG preview (8-bit RGBA) of three bands of a scene: nearest-pixel sampling to at most `maxSide` on the long side,
 * each band stretched linearly between the 2nd and 98th percentile of its valid sampled values (gamma 1), or over
 * fixed ranges (bright clouds over a few percent of a scene would otherwise darken everything else).
 * Pixels are transparent where any of the three bands is nodata or NaN, where the file's mask says so, and where all
 * three bands are 0 (the usual fill of scenes without a declared nodata). The scene is read in strips, so memory is
 * bounded by one strip plus the preview. Bands are 1-based: [red, green, blue]. Deterministic.
 */
export async function renderTrueColour(reader: RasterReader, bands: [number, number, number], options: TrueColourOptions = {}): Promise<Buffer> {
  const { info } = reader;
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 1 || b > info.bands) {
      throw new SatError('E_INPUT', `${info.source}: band ${b} does not exist (the raster has ${info.bands} band(s))`);
    }
  }
  const maxSide = Math.max(1, Math.floor(options.maxSide ?? 1024));
  const scale = Math.min(1, maxSide / Math.max(info.width, info.height));
  const width = Math.max(1, Math.round(info.width * scale));
  const height = Math.max(1, Math.round(info.height * scale));
  // Source pixel of each preview column / row (centre sampling, as the class quicklook).
  const sourceCol = Int32Array.from({ length: width }, (_, x) => Math.min(info.width - 1, Math.floor(((x + 0.5) * info.width) / width)));
  const sourceRow = Int32Array.from({ length: height }, (_, y) => Math.min(info.height - 1, Math.floor(((y + 0.5) * info.height) / height)));

  // Nodata as stored: float32 bands hold the nodata value rounded to float32.
  const nodata = info.nodata === null || Number.isNaN(info.nodata) ? null : info.dtype === 'float32' ? Math.fround(info.nodata) : info.nodata;

  const n = width * height;
  const samples = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const valid = new Uint8Array(n);

  // Preview rows in order; strips come top to bottom, so one cursor walks the rows once.
  let y = 0;
  for await (const strip of readStrips(reader, { bands: [...bands] })) {
    const w = strip.window;
    if (y >= height) break;
    if (sourceRow[y] >= w.row + w.height) continue;
    const mask = await reader.readMask(w);
    for (; y < height && sourceRow[y] < w.row + w.height; y++) {
      const r = sourceRow[y] - w.row;
      if (r < 0) continue;
      const base = r * w.width;
      for (let x = 0; x < width; x++) {
        const src = base + sourceCol[x];
        const i = y * width + x;
        const a = strip.bands[0][src];
        const b = strip.bands[1][src];
        const c = strip.bands[2][src];
        samples[0][i] = a;
        samples[1][i] = b;
        samples[2][i] = c;
        let ok = !(mask !== null && mask[src] === 0);
        if (ok && (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c))) ok = false;
        if (ok && nodata !== null && (a === nodata || b === nodata || c === nodata)) ok = false;
        if (ok && a === 0 && b === 0 && c === 0) ok = false;
        valid[i] = ok ? 1 : 0;
      }
    }
  }

  const rgba = new Uint8Array(n * 4);
  for (let k = 0; k < 3; k++) {
    const { low, high } = options.ranges ? { low: options.ranges[k][0], high: options.ranges[k][1] } : stretchRange(samples[k], valid);
    const span = high - low;
    const band = samples[k];
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const v = band[i];
      let out: number;
      if (span > 0) out = Math.round(((v - low) / span) * 255);
      else out = v > low ? 255 : v < low ? 0 : 128;
      rgba[i * 4 + k] = out < 0 ? 0 : out > 255 ? 255 : out;
    }
  }
  for (let i = 0; i < n; i++) if (valid[i]) rgba[i * 4 + 3] = 255;

  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** The 2nd and 98th percentiles (linear interpolation between order statistics) of the valid values. */
export function stretchRange(values: Float64Array, valid: Uint8Array): { low: number; high: number } {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (valid[i]) count++;
  if (count === 0) return { low: 0, high: 0 };
  const sorted = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (valid[i]) sorted[j++] = values[i];
  sorted.sort();
  return { low: percentile(sorted, LOW_PERCENTILE), high: percentile(sorted, HIGH_PERCENTILE) };
}

function percentile(sorted: Float64Array, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
