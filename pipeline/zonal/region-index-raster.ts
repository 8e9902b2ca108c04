import type { GeoTransform } from '../raster/types.js';
import type { Region } from './load-regions.js';
import { pixelRings, ringsWindow } from './pixel-rings.js';
import { centroidSpans } from './rule-coverage.js';

/**
 * Which region each pixel belongs to, by the pixel-centre rule (GDAL's rasterisation): 1-based index into
 * `regions`, 0 outside all of them. Sample strata (region x class) and object counts (a building belongs to the
 * region holding its centroid pixel) need one region per pixel; exact-coverage areas stay with zonal statistics.
 * Regions must be in the grid's CRS; where official regions touch, a centre on a shared edge goes to one side only.
 */
export function regionIndexRaster(regions: Region[], grid: { width: number; height: number; geotransform: GeoTransform }): Uint16Array {
  if (regions.length >= 65_535) throw new RangeError(`at most 65534 regions per index raster, got ${regions.length}`);
  const index = new Uint16Array(grid.width * grid.height);
  regions.forEach((region, k) => {
    const polygons = pixelRings(region.geometry, grid.geotransform);
    const window = ringsWindow(polygons, grid.width, grid.height);
    if (!window) return;
    centroidSpans(polygons, window, (row, from, to) => index.fill(k + 1, row * grid.width + from, row * grid.width + to));
  });
  return index;
}
