import { SatError } from '../core/errors.js';
import { labelComponents } from '../model/connected-components.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { Region } from '../zonal/load-regions.js';
import { regionIndexRaster } from '../zonal/region-index-raster.js';

/**
 * Building indicator "count": connected components (8-connected) of the building class in the class map, at
 * least `minPixels` large, each counted in the region holding its centroid pixel (one region per building, none
 * counted twice where regions meet). Regions must be in the map's CRS. Reads the whole map (building scenes are
 * small: the labelled-scene limit of 64 Mpx applies here too).
 */
export async function countBuildingsByRegion(map: RasterReader, regions: Region[], buildingClass: number, minPixels: number): Promise<Map<string, number>> {
  const { width, height, geotransform } = map.info;
  if (!geotransform) throw new SatError('E_INPUT', `${map.info.source}: has no georeferencing; buildings cannot be placed in regions`);
  if (width * height > 256 * 2 ** 20) throw new SatError('E_INPUT', `${map.info.source}: ${width} x ${height} is too large to count buildings in one piece (at most 256 Mpx)`);
  const classes = (await map.read(undefined, { bands: [1] })).bands[0];
  const mask = Uint8Array.from(classes as ArrayLike<number>, (v) => (v === buildingClass ? 1 : 0));
  const { labels, count } = labelComponents(mask, width, height, minPixels);
  const sumCol = new Float64Array(count + 1);
  const sumRow = new Float64Array(count + 1);
  const size = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l <= 0) continue;
    sumCol[l] += i % width;
    sumRow[l] += Math.floor(i / width);
    size[l]++;
  }
  const index = regionIndexRaster(regions, { width, height, geotransform });
  const counts = new Map<string, number>(regions.map((r) => [String(r.id), 0]));
  for (let l = 1; l <= count; l++) {
    if (size[l] === 0) continue;
    const col = Math.min(width - 1, Math.round(sumCol[l] / size[l]));
    const row = Math.min(height - 1, Math.round(sumRow[l] / size[l]));
    const k = index[row * width + col];
    if (k > 0) counts.set(String(regions[k - 1].id), counts.get(String(regions[k - 1].id))! + 1);
  }
  return counts;
}
