import { SatError } from '../core/errors.js';
import type { Crs } from '../geo/crs.js';
import type { GeoTransform, RasterInfo } from './types.js';

/** Raster metadata whose georeferencing has been checked: it can be placed on a map. */
export type GeoreferencedInfo = RasterInfo & { geotransform: GeoTransform; proj4: string };

/** The raster's georeferencing, or a clear error: the pipeline places every pixel on a map. */
export function requireGeoreferenced(info: RasterInfo, what = 'imagery'): GeoreferencedInfo {
  const problem = !info.geotransform ? 'has no georeferencing (no geotransform)' : !info.proj4 ? 'has no coordinate reference system' : null;
  if (problem) throw new SatError('E_INPUT', `${info.source}: ${problem}; the pipeline needs georeferenced ${what}`);
  return info as GeoreferencedInfo;
}

export const crsOf = (info: GeoreferencedInfo): Crs => ({ epsg: info.epsg, proj4: info.proj4 });
