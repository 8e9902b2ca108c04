import { bboxPolygon, booleanIntersects } from '@turf/turf';
import type { Geometry } from 'geojson';
import type { StacItem } from './stac-schema.js';
import type { SearchQuery } from './search-query.js';

/**
 * Whether an Item satisfies a query, tested here rather than trusted to the source: ItemCollection files and static
 * catalogues cannot filter at all, and an API that does not implement a filter (query, CQL2) ignores it silently.
 * Footprints are the Item's geometry (its bbox when it has none); an Item without either never matches a spatial
 * query. Items without `eo:cloud_cover` do not match a cloud limit (as an API's filter would drop them too).
 */
export function itemMatchesQuery(item: StacItem, query: SearchQuery): boolean {
  if (query.collections && !(item.collection && query.collections.includes(item.collection))) return false;
  if (query.datetime) {
    const p = item.properties;
    const from = Date.parse(p.start_datetime ?? p.datetime ?? '');
    const to = Date.parse(p.end_datetime ?? p.datetime ?? '');
    if (!Number.isFinite(from) || !Number.isFinite(to)) return false;
    if (query.datetime.end !== null && from > Date.parse(query.datetime.end)) return false;
    if (query.datetime.start !== null && to < Date.parse(query.datetime.start)) return false;
  }
  if (query.maxCloud !== undefined) {
    const cloud = item.properties['eo:cloud_cover'];
    if (typeof cloud !== 'number' || !(cloud < query.maxCloud)) return false;
  }
  const area = query.intersects ?? (query.bbox && bboxPolygon(query.bbox).geometry);
  if (area) {
    const footprints: Geometry[] = [];
    if (item.geometry) footprints.push(item.geometry as unknown as Geometry);
    if (item.bbox && item.bbox.length >= 4) {
      const b = item.bbox.length >= 6 ? [item.bbox[0], item.bbox[1], item.bbox[3], item.bbox[4]] : item.bbox.slice(0, 4);
      footprints.push(bboxPolygon(b as [number, number, number, number]).geometry);
    }
    // The first footprint turf can test decides; a malformed geometry falls back to the bbox.
    for (const footprint of footprints) {
      try {
        return booleanIntersects(footprint, area);
      } catch {
        continue;
      }
    }
    return false;
  }
  return true;
}
