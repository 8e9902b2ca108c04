import type { RasterReader } from './open-raster.js';
import { readStrips } from './read-strips.js';

export interface BandStats {
  band: number;
  valid_count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  sum: number | null;
}

/**
 * Per-band valid count, min, max, mean and sum, excluding nodata and NaN (as GDAL + numpy count them).
 * Streams the raster in strips of whole block rows, so memory stays bounded whatever its size.
 */
export async function computeBandStats(
  reader: RasterReader,
  onProgress?: (done: number, total: number) => void,
): Promise<BandStats[]> {
  const { height, bands, nodata } = reader.info;
  const acc = Array.from({ length: bands }, () => ({ count: 0, min: Infinity, max: -Infinity, sum: 0 }));
  const nodataIsNaN = nodata !== null && Number.isNaN(nodata);
  for await (const strip of readStrips(reader)) {
    strip.bands.forEach((values, b) => {
      const a = acc[b];
      let { count, min, max, sum } = a;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== v || (!nodataIsNaN && v === nodata)) continue; // v !== v: NaN
        count++;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      Object.assign(a, { count, min, max, sum });
    });
    onProgress?.(strip.window.row + strip.window.height, height);
  }
  return acc.map((a, i) => ({
    band: i + 1,
    valid_count: a.count,
    min: a.count ? a.min : null,
    max: a.count ? a.max : null,
    mean: a.count ? a.sum / a.count : null,
    sum: a.count ? a.sum : null,
  }));
}
