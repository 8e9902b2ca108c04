import type { MultiPolygon, Polygon } from 'geojson';
import { parseBbox } from '../collect/parse-bbox.js';
import { parseDatetimeRange } from '../collect/parse-datetime-range.js';
import type { SearchQuery } from '../collect/search-query.js';
import { SatError } from '../core/errors.js';
import { sameCrs, WGS84 } from '../geo/crs.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';
import { readAoi } from '../tiling/aoi.js';

/** The flags `sat search` and `sat composite` share. */
export interface QueryOptions {
  aoi?: string;
  bbox?: string;
  datetime: string;
  collections?: string;
  maxCloud?: number;
}

export const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** The query from the flags: the AOI is read in any CRS and searched in WGS84, as STAC requires. */
export function queryFrom(opts: QueryOptions): SearchQuery {
  if (opts.aoi && opts.bbox) throw new SatError('E_INPUT', '--aoi and --bbox are alternatives: give one');
  const query: SearchQuery = { datetime: parseDatetimeRange(opts.datetime) };
  if (opts.bbox) query.bbox = parseBbox(opts.bbox);
  if (opts.aoi) {
    const aoi = readAoi(opts.aoi);
    query.intersects = (sameCrs(aoi.crs, WGS84) ? aoi.geometry : reprojectGeometry(aoi.geometry, aoi.crs, WGS84)) as Polygon | MultiPolygon;
  }
  if (opts.collections) query.collections = list(opts.collections);
  if (opts.maxCloud !== undefined) {
    if (!(opts.maxCloud > 0 && opts.maxCloud <= 100)) throw new SatError('E_INPUT', `--max-cloud must be a percentage above 0 and at most 100 (got ${opts.maxCloud})`);
    query.maxCloud = opts.maxCloud;
  }
  return query;
}
