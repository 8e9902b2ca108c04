import { createHash } from 'node:crypto';
import type { MultiPolygon, Polygon } from 'geojson';
import { checkCoordinatesInCrs } from '../geo/check-coordinates-in-crs.js';
import { SatError } from '../core/errors.js';
import { readInputFile } from '../core/read-input.js';
import type { Crs } from '../geo/crs.js';
import { isAreal, readGeoJsonBytes } from '../geo/read-geojson.js';
import { invalidPolygonReason } from '../geo/self-intersection.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';

/** An official region: an id, its area and, when the regions file names a field for it, its name. */
export interface Region {
  id: string | number;
  name?: string;
  geometry: Polygon | MultiPolygon;
}

export interface RegionSet {
  source: string;
  crs: Crs;
  /** SHA-256 of the file's bytes: the region set's version, for provenance and coverage caches. */
  checksum: string;
  regions: Region[];
}

/** Caps on a regions file (settings `limits`; these are the defaults of config/default.yaml). */
export interface RegionLimits {
  /** Largest regions file, in MiB: official boundary sets are a few MB to ~100 MB (US counties, full resolution: ~30 MB). */
  regionsFileMB: number;
  /** Most regions (features) in one file: US census tracts ~85k, EU LAU ~100k, GADM level 3 ~145k. */
  maxRegions: number;
}

export const DEFAULT_REGION_LIMITS: RegionLimits = { regionsFileMB: 256, maxRegions: 200_000 };

/**
 * Official regions from GeoJSON: each a Polygon or MultiPolygon with a unique id in the property `idField`
 * (or, for `id`, the Feature's own id member when no property has that name), and with `nameField` its name (a
 * scalar in every feature: a name missing here and there would go unnoticed in a long table). Refuses, naming the feature, what
 * would give silently wrong statistics: a missing, non-scalar or duplicate id, a non-areal or self-intersecting
 * geometry, a hole outside its shell or inside another hole, parts of a multipolygon inside one another; and an
 * empty collection. The file is read once (regular files only), capped by `limits` in size and feature count.
 */
export function loadRegions(file: string, idField: string, options: { crs?: Crs; limits?: Partial<RegionLimits>; nameField?: string } = {}): RegionSet {
  const limits = { ...DEFAULT_REGION_LIMITS, ...options.limits };
  const bytes = readInputFile(file, { maxBytes: Math.floor(limits.regionsFileMB * 1024 * 1024), what: 'regions file', setting: 'limits.regionsFileMB' });
  const layer = readGeoJsonBytes(bytes, file, { crs: options.crs, maxFeatures: limits.maxRegions, what: 'regions file', featuresSetting: 'limits.maxRegions' });
  if (layer.features.length === 0) throw new SatError('E_INPUT', `${file}: no features: a regions file needs at least one Polygon or MultiPolygon region`);
  const seen = new Map<string, number>();
  const regions = layer.features.map((f) => {
    const where = `${file}: feature ${f.index}`;
    const raw = f.properties[idField] ?? (idField === 'id' ? f.featureId : undefined);
    if (raw === undefined || raw === null || raw === '') {
      const fields = Object.keys(f.properties);
      throw new SatError('E_INPUT', `${where} has no "${idField}" (its fields: ${fields.length ? fields.join(', ') : 'none'})`);
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      const shown = JSON.stringify(raw) ?? String(raw);
      throw new SatError('E_INPUT', `${where} has a non-scalar "${idField}" ${shown.length > 60 ? `${shown.slice(0, 60)}...` : shown}; ids must be strings or numbers`);
    }
    const id = typeof raw === 'number' ? raw : String(raw);
    const key = String(id);
    if (seen.has(key)) throw new SatError('E_INPUT', `${where} repeats the id ${JSON.stringify(id)} of feature ${seen.get(key)}`);
    seen.set(key, f.index);
    if (!isAreal(f.geometry)) throw new SatError('E_INPUT', `${where} (${key}) is a ${f.geometry.type}; regions must be polygons`);
    const geometry = f.geometry as Polygon | MultiPolygon;
    const problem = invalidPolygonReason(geometry);
    if (problem) throw new SatError('E_INPUT', `${where} (${key}) ${problem}; repair it first (e.g. ST_MakeValid)`);
    if (options.nameField === undefined) return { id, geometry };
    const name = f.properties[options.nameField];
    if (typeof name !== 'string' && typeof name !== 'number') {
      const fields = Object.keys(f.properties);
      throw new SatError('E_INPUT', `${where} (${key}) has no name in "${options.nameField}" (its fields: ${fields.length ? fields.join(', ') : 'none'})`);
    }
    return { id, name: String(name), geometry };
  });
  checkCoordinatesInCrs(regions, layer.crs, file);
  const checksum = createHash('sha256').update(bytes).digest('hex');
  return { source: file, crs: layer.crs, checksum, regions };
}

/** The regions in another CRS (the raster's), edges densified so long borders stay where they are. */
export function regionsInCrs(set: RegionSet, target: Crs): Region[] {
  return set.regions.map((r) => ({ ...r, geometry: reprojectGeometry(r.geometry, set.crs, target) as Polygon | MultiPolygon }));
}
