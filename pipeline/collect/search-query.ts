import type { MultiPolygon, Polygon } from 'geojson';

/** What to look for in a STAC source, as STAC API item search expresses it; every part optional. */
export interface SearchQuery {
  /** West, south, east, north in WGS84 degrees. */
  bbox?: [number, number, number, number];
  /** An area of interest in WGS84 (lon/lat), tested against Item footprints. */
  intersects?: Polygon | MultiPolygon;
  /** Inclusive instants (ISO 8601, UTC); null = open. */
  datetime?: { start: string | null; end: string | null };
  collections?: string[];
  /** Only items with `eo:cloud_cover` below this percentage. */
  maxCloud?: number;
}

/** The query in words, for "no items" errors: what was asked, so the user can see what to widen. */
export function describeQuery(query: SearchQuery): string {
  const parts: string[] = [];
  if (query.bbox) parts.push(`bbox ${query.bbox.join(',')}`);
  if (query.intersects) parts.push('the AOI');
  if (query.datetime) parts.push(`datetime ${query.datetime.start ?? '..'}/${query.datetime.end ?? '..'}`);
  if (query.collections) parts.push(`collections ${query.collections.join(',')}`);
  if (query.maxCloud !== undefined) parts.push(`cloud cover < ${query.maxCloud} %`);
  return parts.length ? parts.join(', ') : 'no filter';
}
