import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import { SatError } from '../core/errors.js';
import { jsonErrorReason } from '../core/json-error.js';
import { readInputFile } from '../core/read-input.js';
import { parseCrs, WGS84, type Crs } from './crs.js';

export interface VectorFeature {
  /** Position in the input (0-based), for messages. */
  index: number;
  geometry: Geometry;
  properties: Record<string, unknown>;
  /** The Feature's own "id" member, if any, as in the file (RFC 7946: a string or a number; not checked here). */
  featureId?: unknown;
}

export interface VectorLayer {
  source: string;
  crs: Crs;
  features: VectorFeature[];
}

const SUPPORTED = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']);

export interface ReadGeoJsonOptions {
  /** Largest file read (default DEFAULT_MAX_INPUT_BYTES, 256 MiB); larger files, FIFOs and devices are refused. */
  maxBytes?: number;
  /** Most features accepted (default: no cap); counted before the JSON is parsed, so a huge collection costs no memory. */
  maxFeatures?: number;
  /** Names the input and the settings behind the caps in messages ("regions file", "limits.regionsFileMB"). */
  what?: string;
  bytesSetting?: string;
  featuresSetting?: string;
  crs?: Crs;
}

/**
 * Reads GeoJSON (a FeatureCollection, a Feature, or a bare geometry) from a file or an object, checking its structure
 * and coordinates. Its CRS comes from `options.crs` when given (the user knows better, e.g. files whose `crs`
 * member is wrong), else from the legacy `crs` member, else EPSG:4326 (RFC 7946). A file is read with a size cap
 * and must be a regular file (see readInputFile).
 */
export function readGeoJson(input: string | object, options: ReadGeoJsonOptions = {}): VectorLayer {
  if (typeof input !== 'string') return parseGeoJson(input, '(GeoJSON object)', options);
  const bytes = readInputFile(input, { maxBytes: options.maxBytes, what: options.what ?? 'GeoJSON file', setting: options.bytesSetting });
  return readGeoJsonBytes(bytes, input, options);
}

/** readGeoJson of a file's bytes already read (e.g. to checksum them too); `source` names it in messages. */
export function readGeoJsonBytes(bytes: Buffer, source: string, options: ReadGeoJsonOptions = {}): VectorLayer {
  if (options.maxFeatures !== undefined) {
    const n = countFeatures(bytes);
    if (n > options.maxFeatures) throw tooManyFeatures(source, n, options);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new SatError('E_INPUT', `${source}: not valid JSON (${jsonErrorReason(err)})`);
  }
  return parseGeoJson(doc, source, options);
}

function tooManyFeatures(source: string, n: number, options: ReadGeoJsonOptions): SatError {
  const setting = options.featuresSetting ? ` (setting ${options.featuresSetting})` : '';
  return new SatError('E_LIMIT', `${source}: ${n} features are more than the limit of ${options.maxFeatures} for a ${options.what ?? 'GeoJSON file'}${setting}`);
}

const FEATURE = Buffer.from('"Feature"');
const TYPE = Buffer.from('"type"');

/**
 * Features in GeoJSON text without parsing it: occurrences of `"type": "Feature"` (whitespace allowed around the
 * colon). Fast (a byte scan), and exact for ordinary files; the count after parsing is checked as well.
 */
function countFeatures(bytes: Buffer): number {
  let n = 0;
  const space = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  for (let at = bytes.indexOf(FEATURE); at >= 0; at = bytes.indexOf(FEATURE, at + FEATURE.length)) {
    let k = at - 1;
    while (k >= 0 && space(bytes[k])) k--;
    if (k < 0 || bytes[k] !== 0x3a) continue; // ':'
    k--;
    while (k >= 0 && space(bytes[k])) k--;
    if (k + 1 >= TYPE.length && bytes.subarray(k + 1 - TYPE.length, k + 1).equals(TYPE)) n++;
  }
  return n;
}

function parseGeoJson(doc: unknown, source: string, options: ReadGeoJsonOptions): VectorLayer {
  const fail = (why: string): never => {
    throw new SatError('E_INPUT', `${source}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null) fail('not a GeoJSON object');
  const obj = doc as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } };
  const crsName = obj.crs?.properties?.name;
  const crs = options.crs ?? (typeof crsName === 'string' ? parseCrs(crsName) : WGS84);

  let raw: Array<{ geometry: unknown; properties: unknown }>;
  if (obj.type === 'FeatureCollection') {
    if (!Array.isArray(obj.features)) fail('FeatureCollection without a "features" array');
    raw = obj.features as Feature[];
    if (options.maxFeatures !== undefined && raw.length > options.maxFeatures) throw tooManyFeatures(source, raw.length, options);
  } else if (obj.type === 'Feature') {
    raw = [obj as Feature];
  } else if (typeof obj.type === 'string' && (SUPPORTED.has(obj.type) || obj.type === 'GeometryCollection')) {
    raw = [{ geometry: obj, properties: {} }];
  } else {
    return fail(`not GeoJSON (type ${JSON.stringify(obj.type)}; expected FeatureCollection, Feature or a geometry)`);
  }
  const features = raw.map((f, index) => {
    const what = `feature ${index}`;
    if (typeof f !== 'object' || f === null) fail(`${what} is not an object`);
    if (!f.geometry || typeof f.geometry !== 'object') fail(`${what} has no geometry`);
    const geometry = f.geometry as Geometry;
    if (!SUPPORTED.has(geometry.type)) fail(`${what}: unsupported geometry type ${JSON.stringify(geometry.type)}`);
    checkCoordinates(geometry, crs, (why) => fail(`${what}: ${why}`));
    const properties = (f.properties ?? {}) as Record<string, unknown>;
    const featureId = (f as { id?: unknown }).id;
    return { index, geometry, properties, ...(featureId !== undefined && { featureId }) };
  });
  return { source, crs, features };
}

function checkCoordinates(g: Geometry, crs: Crs, fail: (why: string) => never): void {
  const geographic = crs.proj4.includes('+proj=longlat');
  const position = (p: Position) => {
    if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) fail(`invalid position ${JSON.stringify(p)}`);
    if (geographic && (Math.abs(p[0]) > 360 || Math.abs(p[1]) > 90)) {
      fail(`coordinate ${JSON.stringify(p)} is out of range for longitude/latitude (projected coordinates without a "crs" member?)`);
    }
  };
  const ring = (r: Position[], i: number) => {
    if (!Array.isArray(r) || r.length < 4) fail(`ring ${i} has ${Array.isArray(r) ? r.length : 0} positions (a closed ring needs at least 4)`);
    r.forEach(position);
    const [a, b] = [r[0], r[r.length - 1]];
    if (a[0] !== b[0] || a[1] !== b[1]) fail(`ring ${i} is not closed (first and last positions differ)`);
  };
  const polygon = (rings: Position[][]) => {
    if (!Array.isArray(rings) || rings.length === 0) fail('empty polygon');
    rings.forEach(ring);
  };
  const coords = (g as { coordinates?: unknown }).coordinates;
  if (!Array.isArray(coords)) fail('geometry without coordinates');
  switch (g.type) {
    case 'Point':
      position(g.coordinates);
      break;
    case 'MultiPoint':
    case 'LineString':
      if (g.coordinates.length === 0) fail('empty geometry');
      g.coordinates.forEach(position);
      break;
    case 'MultiLineString':
      if (g.coordinates.length === 0) fail('empty geometry');
      g.coordinates.forEach((l) => l.forEach(position));
      break;
    case 'Polygon':
      polygon(g.coordinates);
      break;
    case 'MultiPolygon':
      if (g.coordinates.length === 0) fail('empty MultiPolygon');
      g.coordinates.forEach(polygon);
      break;
    default:
      fail(`unsupported geometry type ${g.type}`);
  }
}

export function isAreal(g: Geometry): g is Polygon | MultiPolygon {
  return g.type === 'Polygon' || g.type === 'MultiPolygon';
}
