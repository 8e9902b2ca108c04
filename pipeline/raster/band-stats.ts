import type { RasterReader } from './open-raster.js';
import { undoHorizontalDifferencing } from './decode/predictor.js';
import type { PixelArray } from './types.js';

export interface BandStats {
  band: number;
  valid_count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  sum: number | null;
}

/**
 * Per-band valid count, min, max, mean and sum, excluding nodata and NaN (as GDAL + numpy count them), in one pass
 * over the file's blocks: each block is summarised where it is decoded (the reader's decode threads) and only the
 * sums come back, so memory stays bounded and no pixel is copied between threads.
 */
export function computeBandStats(reader: RasterReader, onProgress?: (done: number, total: number) => void): Promise<BandStats[]> {
  return reader.bandStats(onProgress);
}

/** Numbers kept per band while scanning: valid count, min, max, sum. */
export const STATS_FIELDS = 4;

/** Running statistics of `bands` bands, packed STATS_FIELDS a band (small enough to cross threads as one array). */
export function emptyStats(bands: number): Float64Array {
  const acc = new Float64Array(bands * STATS_FIELDS);
  for (let b = 0; b < bands; b++) acc.set([0, Infinity, -Infinity, 0], b * STATS_FIELDS);
  return acc;
}

/** Adds the statistics of `part` (bands from `firstBand`, 0-based, on) to `acc`. */
export function mergeStats(acc: Float64Array, part: Float64Array, firstBand = 0): void {
  for (let k = 0; k < part.length; k += STATS_FIELDS) {
    const a = firstBand * STATS_FIELDS + k;
    acc[a] += part[k];
    acc[a + 1] = Math.min(acc[a + 1], part[k + 1]);
    acc[a + 2] = Math.max(acc[a + 2], part[k + 2]);
    acc[a + 3] += part[k + 3];
  }
}

export function finishStats(acc: Float64Array): BandStats[] {
  return Array.from({ length: acc.length / STATS_FIELDS }, (_, b) => {
    const [count, min, max, sum] = acc.subarray(b * STATS_FIELDS, (b + 1) * STATS_FIELDS);
    return { band: b + 1, valid_count: count, min: count ? min : null, max: count ? max : null, mean: count ? sum / count : null, sum: count ? sum : null };
  });
}

/** Where a block's pixels lie and which of them count (the right and bottom blocks reach past the raster). */
export interface BlockRegion {
  /** Block width and rows; the block holds width * rows pixels of `samples` interleaved samples. */
  width: number;
  rows: number;
  samples: number;
  /** Columns and rows from the block's upper-left corner that lie inside the raster. */
  cols: number;
  validRows: number;
  /** Values equal to this are left out (null or NaN: none; NaN is always left out). */
  nodata: number | null;
}

// Integer sums are kept in 32-bit integers (one-cycle adds) over runs of samples short enough not to overflow.
const RUN = 4096;

/**
 * Statistics of each sample of a decoded block (pixel-interleaved, as decodeSamples gives it). `differenced`: the
 * samples still hold horizontal differences (predictor 2), undone here on the way, in the same pass.
 */
export function blockStats(block: PixelArray, region: BlockRegion, differenced = false): Float64Array {
  const narrow = block instanceof Uint8Array || block instanceof Int8Array || block instanceof Uint16Array || block instanceof Int16Array;
  const unsigned = block instanceof Uint8Array || block instanceof Uint16Array;
  if (differenced && !unsigned) {
    // Rare (signed or 32-bit differenced samples): undo on a copy, then as any block.
    const copy = block.slice() as Exclude<PixelArray, Float32Array | Float64Array>;
    undoHorizontalDifferencing(copy, region.width, region.rows, region.samples);
    return blockStats(copy, region);
  }
  const acc = emptyStats(region.samples);
  if (!narrow) {
    for (let s = 0; s < region.samples; s++) wideLane(block, region, s, acc);
    return acc;
  }
  // value = ((previous & carry) + stored) & mask: the running sum for differenced samples (modulo the type's range),
  // the stored value itself otherwise (mask -1 keeps signed values signed).
  const carry = differenced ? -1 : 0;
  const mask = differenced ? (1 << (8 * block.BYTES_PER_ELEMENT)) - 1 : -1;
  let s = 0;
  for (; s + 4 <= region.samples; s += 4) narrowFourLanes(block, region, s, carry, mask, acc);
  for (; s < region.samples; s++) narrowLane(block, region, s, carry, mask, acc);
  return acc;
}

type NarrowPixels = Uint8Array | Int8Array | Uint16Array | Int16Array;

// 8- and 16-bit samples lie in [-32768, 65535]: small-integer bounds and nodata keep the loops in integer arithmetic.
const NARROW_ABOVE = 65536;
const NARROW_BELOW = -32769;

/** The nodata value as the narrow loops compare it: one no sample can hold when there is none or it is not an integer. */
function narrowSkip(nodata: number | null): number {
  return nodata !== null && Number.isInteger(nodata) && nodata > NARROW_BELOW && nodata < NARROW_ABOVE ? nodata : NARROW_ABOVE;
}

/** Lanes without a valid value get the empty min/max (Infinity, -Infinity) instead of the loops' integer bounds. */
function fixEmpty(acc: Float64Array, first: number, lanes: number): void {
  for (let s = first; s < first + lanes; s++) {
    if (acc[s * STATS_FIELDS] === 0) acc.set([Infinity, -Infinity], s * STATS_FIELDS + 1);
  }
}

/** Samples s..s+3 of 8- or 16-bit integers, read pixel by pixel (contiguous memory, four independent chains). */
function narrowFourLanes(block: PixelArray, region: BlockRegion, s: number, carry: number, mask: number, acc: Float64Array): void {
  const data = block as NarrowPixels;
  const { width, samples, cols, validRows } = region;
  const skip = narrowSkip(region.nodata);
  let n0 = 0, n1 = 0, n2 = 0, n3 = 0;
  let lo0 = NARROW_ABOVE, lo1 = NARROW_ABOVE, lo2 = NARROW_ABOVE, lo3 = NARROW_ABOVE;
  let hi0 = NARROW_BELOW, hi1 = NARROW_BELOW, hi2 = NARROW_BELOW, hi3 = NARROW_BELOW;
  let sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  for (let r = 0; r < validRows; r++) {
    let a = 0, b = 0, c = 0, d = 0;
    const rowEnd = r * width * samples + cols * samples;
    for (let run = r * width * samples + s; run < rowEnd; run += RUN * samples) {
      let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
      for (let i = run, end = Math.min(run + RUN * samples, rowEnd); i < end; i += samples) {
        a = ((a & carry) + data[i]) & mask;
        b = ((b & carry) + data[i + 1]) & mask;
        c = ((c & carry) + data[i + 2]) & mask;
        d = ((d & carry) + data[i + 3]) & mask;
        if (a !== skip) {
          n0++;
          p0 = (p0 + a) | 0;
          if (a < lo0) lo0 = a;
          if (a > hi0) hi0 = a;
        }
        if (b !== skip) {
          n1++;
          p1 = (p1 + b) | 0;
          if (b < lo1) lo1 = b;
          if (b > hi1) hi1 = b;
        }
        if (c !== skip) {
          n2++;
          p2 = (p2 + c) | 0;
          if (c < lo2) lo2 = c;
          if (c > hi2) hi2 = c;
        }
        if (d !== skip) {
          n3++;
          p3 = (p3 + d) | 0;
          if (d < lo3) lo3 = d;
          if (d > hi3) hi3 = d;
        }
      }
      sum0 += p0;
      sum1 += p1;
      sum2 += p2;
      sum3 += p3;
    }
  }
  acc.set([n0, lo0, hi0, sum0, n1, lo1, hi1, sum1, n2, lo2, hi2, sum2, n3, lo3, hi3, sum3], s * STATS_FIELDS);
  fixEmpty(acc, s, 4);
}

/** Sample s of 8- or 16-bit integers. */
function narrowLane(block: PixelArray, region: BlockRegion, s: number, carry: number, mask: number, acc: Float64Array): void {
  const data = block as NarrowPixels;
  const { width, samples, cols, validRows } = region;
  const skip = narrowSkip(region.nodata);
  let count = 0, min = NARROW_ABOVE, max = NARROW_BELOW, sum = 0;
  for (let r = 0; r < validRows; r++) {
    let v = 0;
    const rowEnd = r * width * samples + cols * samples;
    for (let run = r * width * samples + s; run < rowEnd; run += RUN * samples) {
      let part = 0;
      for (let i = run, end = Math.min(run + RUN * samples, rowEnd); i < end; i += samples) {
        v = ((v & carry) + data[i]) & mask;
        if (v === skip) continue;
        count++;
        part = (part + v) | 0;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      sum += part;
    }
  }
  acc.set([count, min, max, sum], s * STATS_FIELDS);
  fixEmpty(acc, s, 1);
}

/** Sample s of 32-bit integers or floats (NaN left out), summed in doubles. */
function wideLane(block: PixelArray, region: BlockRegion, s: number, acc: Float64Array): void {
  const { width, samples, cols, validRows } = region;
  const skip = region.nodata ?? NaN;
  let count = 0, min = Infinity, max = -Infinity, sum = 0;
  for (let r = 0; r < validRows; r++) {
    for (let i = r * width * samples + s, end = i + cols * samples; i < end; i += samples) {
      const v = block[i];
      if (v !== v || v === skip) continue; // v !== v: NaN
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  acc.set([count, min, max, sum], s * STATS_FIELDS);
}
