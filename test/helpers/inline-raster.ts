import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openRaster, type RasterReader } from '../../pipeline/raster/open-raster.js';
import type { GeoTransform } from '../../pipeline/raster/types.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sat-inline-'));
let n = 0;
// Registered in the importing test file's root suite: its rasters go when the file's tests are done.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A small raster from rows of numbers (top row first), written as a GeoTIFF and opened with our reader,
 * covering x in [0, ncols], y in [0, nrows] with cells of size 1 unless a geotransform is given.
 */
export async function inlineRaster(rows: number[][], options: { nodata?: number | null; geotransform?: GeoTransform; epsg?: number } = {}): Promise<RasterReader> {
  const height = rows.length;
  const width = rows[0].length;
  const values = Float64Array.from(rows.flat());
  const file = path.join(dir, `r${n++}.tif`);
  await writeGeoTiff(file, { window: { col: 0, row: 0, width, height }, dtype: 'float64', bands: [values] }, {
    geotransform: options.geotransform ?? [0, 1, 0, height, 0, -1],
    nodata: options.nodata ?? null,
    epsg: options.epsg ?? null,
    tileSize: 16,
  });
  return openRaster(file);
}
