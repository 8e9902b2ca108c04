import type { RasterReader } from './open-raster.js';

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
  const { width, height, bands, blockHeight, nodata } = reader.info;
  const rowsPerStrip = Math.max(blockHeight, Math.floor(4_000_000 / width / blockHeight) * blockHeight);
  const acc = Array.from({ length: bands }, () => ({ count: 0, min: Infinity, max: -Infinity, sum: 0 }));
  const nodataIsNaN = nodata !== null && Number.isNaN(nodata);
  for (let row = 0; row < height; row += rowsPerStrip) {
    const strip = await reader.read({ col: 0, row, width, height: Math.min(rowsPerStrip, height - row) });
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
    onProgress?.(Math.min(row + rowsPerStrip, height), height);
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
