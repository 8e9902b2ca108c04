import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MultiPolygon, Polygon } from 'geojson';
import { SatError } from '../core/errors.js';
import type { Crs } from '../geo/crs.js';
import { isAreal, readGeoJson } from '../geo/read-geojson.js';
import { findSelfIntersection } from '../geo/self-intersection.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';

/** An official region: an id and its area. */
export interface Region {
  id: string | number;
  geometry: Polygon | MultiPolygon;
}

export interface RegionSet {
  source: string;
  crs: Crs;
  /** SHA-256 of the file's bytes: the region set's version, for provenance and coverage caches. */
  checksum: string;
  regions: Region[];
}

/**
 * Official regions from GeoJSON: each a Polygon or MultiPolygon with a unique id in the property `idField`
 * (or, for `id`, the Feature's own id member when no property has that name). Refuses,
 * naming the feature, what would give silently wrong statistics: a missing or duplicate id, a non-areal or
 * self-intersecting geometry.
 */
export function loadRegions(file: string, idField: string, options: { crs?: Crs } = {}): RegionSet {
  const layer = readGeoJson(file, { crs: options.crs });
  const seen = new Map<string, number>();
  const regions = layer.features.map((f) => {
    const where = `${file}: feature ${f.index}`;
    const raw = f.properties[idField] ?? (idField === 'id' ? f.featureId : undefined);
    if (raw === undefined || raw === null || raw === '') {
      const fields = Object.keys(f.properties);
      throw new SatError('E_INPUT', `${where} has no "${idField}" (its fields: ${fields.length ? fields.join(', ') : 'none'})`);
    }
    const id = typeof raw === 'number' ? raw : String(raw);
    const key = String(id);
    if (seen.has(key)) throw new SatError('E_INPUT', `${where} repeats the id ${JSON.stringify(id)} of feature ${seen.get(key)}`);
    seen.set(key, f.index);
    if (!isAreal(f.geometry)) throw new SatError('E_INPUT', `${where} (${key}) is a ${f.geometry.type}; regions must be polygons`);
    const crossing = findSelfIntersection(f.geometry as Polygon | MultiPolygon);
    if (crossing) {
      const [x, y] = crossing;
      throw new SatError('E_INPUT', `${where} (${key}) is self-intersecting (first crossing near ${x}, ${y}); repair it first (e.g. ST_MakeValid)`);
    }
    return { id, geometry: f.geometry as Polygon | MultiPolygon };
  });
  const checksum = createHash('sha256').update(readFileSync(file)).digest('hex');
  return { source: file, crs: layer.crs, checksum, regions };
}

/** The regions in another CRS (the raster's), edges densified so long borders stay where they are. */
export function regionsInCrs(set: RegionSet, target: Crs): Region[] {
  return set.regions.map((r) => ({ id: r.id, geometry: reprojectGeometry(r.geometry, set.crs, target) as Polygon | MultiPolygon }));
}
