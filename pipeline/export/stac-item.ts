/**
 * A STAC 1.0.0 Item (a GeoJSON Feature) describing the rasters and files of one pipeline run,
 * so that catalogues and GIS tools can find and read them without knowing our layout.
 *
 * Pure and deterministic on purpose: no clock, no randomness, fixed key order, so the same run
 * always writes byte-for-byte the same item.json (reruns can be diffed and checksummed).
 * The footprint is the raster boundary densified and projected to WGS 84 lon/lat, so edges that
 * curve in lon/lat are followed; it is not split at the antimeridian.
 */
import { SatError } from '../core/errors.js';
import { makeTransform, WGS84 } from '../geo/crs.js';
import { pixelToWorld, rasterBounds } from '../geo/geotransform.js';

export interface StacAssetInput {
  key: string;
  href: string;
  type: string;
  title: string;
  roles: string[];
  /** Hex SHA-256 digest of the file. */
  sha256?: string;
  bytes?: number;
  /** For a class map: written with the classification extension. */
  classes?: { id: number; name: string; colour: string /* '#rrggbb' */ }[];
  /** Raster nodata (may be NaN). */
  nodata?: number;
  dataType?: 'uint8' | 'float32';
}

export interface StacItemInput {
  id: string;
  /** Reference period of the statistics: ISO dates, e.g. '2015-07-11' .. '2015-07-11', or '2015-01-01'..'2015-12-31'. */
  period: { start: string; end: string };
  grid: { width: number; height: number; geotransform: [number, number, number, number, number, number]; epsg: number | null; proj4: string };
  assets: StacAssetInput[];
  /** Extra properties copied in, e.g. { 'processing:software': { satstat: '0.1.0' } }; they cannot override the computed ones. */
  properties?: Record<string, unknown>;
}

export interface StacAsset {
  href: string;
  type: string;
  title: string;
  roles: string[];
  'file:checksum'?: string;
  'file:size'?: number;
  'classification:classes'?: { value: number; name: string; color_hint: string }[];
  'raster:bands'?: { nodata?: number | 'nan' | 'inf' | '-inf'; data_type: 'uint8' | 'float32' }[];
}

export interface StacItem {
  type: 'Feature';
  stac_version: '1.0.0';
  stac_extensions: string[];
  id: string;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  bbox: [number, number, number, number];
  properties: Record<string, unknown> & {
    datetime: null;
    start_datetime: string;
    end_datetime: string;
    'proj:code': string | null;
    'proj:shape': [number, number];
    'proj:transform': [number, number, number, number, number, number];
    'proj:bbox': [number, number, number, number];
  };
  links: never[];
  assets: Record<string, StacAsset>;
}

const EXT = {
  projection: 'https://stac-extensions.github.io/projection/v2.0.0/schema.json',
  classification: 'https://stac-extensions.github.io/classification/v2.0.0/schema.json',
  file: 'https://stac-extensions.github.io/file/v2.1.0/schema.json',
  raster: 'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
};
const POINTS_PER_EDGE = 16;

function checkDate(value: string, which: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const t = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new SatError('E_INPUT', `period ${which} '${value}' is not a valid date (YYYY-MM-DD)`);
  }
  return t;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7 + 0; // + 0 turns -0 into 0

/** Densified raster boundary in lon/lat: a closed, counter-clockwise ring (RFC 7946). */
export function footprint(grid: StacItemInput['grid']): [number, number][] {
  const { width: w, height: h, geotransform: gt } = grid;
  const toLonLat = makeTransform({ epsg: grid.epsg, proj4: grid.proj4 }, WGS84);
  const pixelRing: [number, number][] = [];
  const corners: [number, number][] = [[0, 0], [w, 0], [w, h], [0, h]];
  for (let e = 0; e < 4; e++) {
    const [c0, r0] = corners[e];
    const [c1, r1] = corners[(e + 1) % 4];
    for (let i = 0; i < POINTS_PER_EDGE; i++) {
      const t = i / POINTS_PER_EDGE;
      pixelRing.push([c0 + (c1 - c0) * t, r0 + (r1 - r0) * t]);
    }
  }
  const ring = pixelRing.map(([c, r]) => {
    const [lon, lat] = toLonLat(pixelToWorld(gt, c, r));
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
      throw new SatError('E_INPUT', `raster boundary point (col ${c}, row ${r}) cannot be projected to WGS 84`);
    }
    return [round7(lon), round7(lat)] as [number, number];
  });
  let area2 = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[(i + 1) % ring.length];
    area2 += x0 * y1 - x1 * y0;
  }
  if (area2 < 0) ring.reverse();
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}

function rasterNodata(v: number): number | 'nan' | 'inf' | '-inf' {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

function asset(a: StacAssetInput, used: Set<string>): StacAsset {
  const out: StacAsset = { href: a.href, type: a.type, title: a.title, roles: [...a.roles] };
  if (a.sha256 !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(a.sha256)) throw new SatError('E_INPUT', `asset '${a.key}': sha256 '${a.sha256}' is not 64 hex digits`);
    out['file:checksum'] = '1220' + a.sha256.toLowerCase(); // multihash: 0x12 = sha2-256, 0x20 = 32 bytes
    used.add('file');
  }
  if (a.bytes !== undefined) {
    out['file:size'] = a.bytes;
    used.add('file');
  }
  if (a.classes !== undefined) {
    out['classification:classes'] = a.classes.map((c) => {
      if (!/^#[0-9a-fA-F]{6}$/.test(c.colour)) throw new SatError('E_INPUT', `asset '${a.key}': class ${c.id} colour '${c.colour}' is not #rrggbb`);
      return { value: c.id, name: c.name, color_hint: c.colour.slice(1).toUpperCase() };
    });
    used.add('classification');
  }
  if (a.dataType !== undefined) {
    out['raster:bands'] = [a.nodata === undefined ? { data_type: a.dataType } : { nodata: rasterNodata(a.nodata), data_type: a.dataType }];
    used.add('raster');
  }
  return out;
}

export function stacItem(input: StacItemInput): StacItem {
  const { grid, period } = input;
  if (checkDate(period.start, 'start') > checkDate(period.end, 'end')) {
    throw new SatError('E_INPUT', `period start '${period.start}' is after end '${period.end}'`);
  }
  if (!(Number.isInteger(grid.width) && grid.width > 0 && Number.isInteger(grid.height) && grid.height > 0)) {
    throw new SatError('E_INPUT', `grid size ${grid.width} x ${grid.height} is not a positive whole number of pixels`);
  }
  const ring = footprint(grid);
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const gt = grid.geotransform;

  const used = new Set<string>(['projection']);
  const assets: Record<string, StacAsset> = {};
  for (const a of input.assets) {
    if (Object.hasOwn(assets, a.key)) throw new SatError('E_INPUT', `asset key '${a.key}' is used twice`);
    assets[a.key] = asset(a, used);
  }

  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: (Object.keys(EXT) as (keyof typeof EXT)[]).filter((k) => used.has(k)).map((k) => EXT[k]),
    id: input.id,
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
    properties: {
      ...input.properties,
      datetime: null,
      start_datetime: `${period.start}T00:00:00Z`,
      end_datetime: `${period.end}T23:59:59Z`,
      'proj:code': grid.epsg === null ? null : `EPSG:${grid.epsg}`,
      'proj:shape': [grid.height, grid.width],
      'proj:transform': [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]],
      'proj:bbox': rasterBounds(gt, grid.width, grid.height),
    },
    links: [],
    assets,
  };
}
