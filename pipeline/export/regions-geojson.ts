import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import type { Region } from '../zonal/load-regions.js';
import type { StatisticsRow } from '../statistics/region-statistics.js';

const MEASURES = ['mapped', 'estimate', 'se', 'ci_lower', 'ci_upper', 'cv', 'grade', 'obs_status'] as const;

/** Property-name part of a class name: lower case, words joined by '_'. */
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

const roundRing = (ring: Position[]) => ring.map(([x, y]) => [Number(x.toFixed(7)), Number(y.toFixed(7))]);
function rounded(g: Polygon | MultiPolygon): Polygon | MultiPolygon {
  return g.type === 'Polygon' ? { type: 'Polygon', coordinates: g.coordinates.map(roundRing) } : { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(roundRing)) };
}

/**
 * The regions with their statistics, for GIS and web maps: one feature per region (lon/lat, RFC 7946), its id and
 * name (when the job names the field), flat
 * properties `<indicator>_<class>_<measure>` (e.g. `area_forest_estimate`, `area_forest_grade`) beside the region's
 * area and valid/cloud shares, since most tools cannot read nested properties.
 */
export function regionsGeoJson(regionsLonLat: Region[], rows: StatisticsRow[]): FeatureCollection {
  const byRegion = new Map<string, StatisticsRow[]>();
  for (const r of rows) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
  const features: Feature[] = regionsLonLat.map((region) => {
    const own = byRegion.get(String(region.id)) ?? [];
    const properties: Record<string, unknown> = { id: region.id, ...(region.name !== undefined && { name: region.name }) };
    if (own[0]) Object.assign(properties, { region_area_ha: own[0].region_area_ha, valid_share: own[0].valid_share, cloud_share: own[0].cloud_share });
    for (const r of own) {
      const prefix = r.indicator === 'area' ? `area_${slug(r.class_name)}` : r.indicator;
      for (const m of MEASURES) properties[`${prefix}_${m}`] = r[m];
    }
    return { type: 'Feature', id: region.id, geometry: rounded(region.geometry), properties };
  });
  return { type: 'FeatureCollection', features };
}
