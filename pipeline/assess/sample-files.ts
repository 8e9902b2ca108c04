import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { SatError } from '../core/errors.js';
import { jsonErrorReason } from '../core/json-error.js';
import { csvField } from '../export/csv-field.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { RasterInfo } from '../raster/types.js';
import type { StratifiedSample } from './draw-sample.js';

/** A sample point with the class a labeller (or a reference raster) gave it. */
export interface LabelledPoint {
  id: number;
  stratum: number;
  /** The region of region x class strata; absent when the strata are map classes. */
  region?: string;
  col: number;
  row: number;
  reference: number;
}

const COLUMNS = ['id', 'stratum', 'region', 'col', 'row', 'x', 'y', 'lon', 'lat', 'reference'] as const;

/**
 * The sample for labelling: CSV (one row per point) or GeoJSON points in lon/lat; `reference` is empty for a
 * labeller to fill in, or holds the classes already known (e.g. read from a reference raster).
 */
export async function writeSample(sample: StratifiedSample, file: string, references?: Map<number, number>): Promise<void> {
  const reference = (id: number) => references?.get(id) ?? null;
  if (/\.(geo)?json$/i.test(file)) {
    const features = sample.points.map((p) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
      properties: { id: p.id, stratum: p.stratum, region: p.region ?? null, col: p.col, row: p.row, x: p.x, y: p.y, reference: reference(p.id) },
    }));
    await writeFile(file, `${JSON.stringify({ type: 'FeatureCollection', features }, null, 1)}\n`);
    return;
  }
  const lines = [COLUMNS.join(','), ...sample.points.map((p) => [p.id, p.stratum, csvField(p.region), p.col, p.row, p.x, p.y, p.lon, p.lat, reference(p.id) ?? ''].join(','))];
  await writeFile(file, `${lines.join('\r\n')}\r\n`);
}

/** RFC 4180 fields: quotes, doubled quotes inside them, commas and line breaks inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

function integer(value: unknown, what: string): number {
  const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SatError('E_INPUT', `${what} must be an integer (got ${JSON.stringify(value)})`);
  return v;
}

/**
 * A labelled sample back from CSV or GeoJSON (as `writeSample` wrote it, with the `referenceField` filled in).
 * Every point needs its id, stratum, col, row and a reference class; duplicates and gaps are named.
 */
export function readLabelledSample(file: string, referenceField = 'reference'): LabelledPoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `cannot read the sample ${file}: ${(err as Error).message}`);
  }
  let records: Record<string, unknown>[];
  if (/\.(geo)?json$/i.test(file)) {
    let doc: { features?: { properties?: Record<string, unknown> }[] };
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new SatError('E_INPUT', `${file} is not valid JSON (${jsonErrorReason(err)})`);
    }
    if (!Array.isArray(doc.features)) throw new SatError('E_INPUT', `${file}: expected a FeatureCollection of sample points`);
    records = doc.features.map((f) => f.properties ?? {});
  } else {
    const [head, ...rows] = parseCsv(text);
    if (!head) throw new SatError('E_INPUT', `${file} is empty`);
    records = rows.map((r) => Object.fromEntries(head.map((h, k) => [h.trim(), r[k]])));
  }
  if (records.length === 0) throw new SatError('E_INPUT', `${file} holds no sample points`);
  const seen = new Set<number>();
  return records.map((r, k) => {
    const where = `${file}: point ${k + 1}`;
    const missing = ['id', 'stratum', 'col', 'row', referenceField].filter((f) => r[f] === undefined || r[f] === null || r[f] === '');
    if (missing.length) throw new SatError('E_INPUT', `${where} has no ${missing.join(', ')}${missing.includes(referenceField) ? ' (every point needs a reference class)' : ''}`);
    const id = integer(r.id, `${where}: id`);
    if (seen.has(id)) throw new SatError('E_INPUT', `${where} repeats id ${id}`);
    seen.add(id);
    const region = r.region === undefined || r.region === null || r.region === '' ? {} : { region: String(r.region) };
    return { id, stratum: integer(r.stratum, `${where}: stratum`), ...region, col: integer(r.col, `${where}: col`), row: integer(r.row, `${where}: row`), reference: integer(r[referenceField], `${where}: ${referenceField}`) };
  });
}

/**
 * Where the map's pixels are in a reference raster: the reference must be on the map's lattice — the same CRS and
 * pixel size, its origin a whole number of pixels away — but may cover more or less (a national reference raster for a
 * job's area); the offset of the map's (0, 0) in it. A reference without georeferencing must be the map's size. Any
 * other reference is refused, naming the difference: reading it by pixel numbers would label points from elsewhere.
 */
export function referenceOffset(map: RasterInfo, reference: RasterInfo): { col: number; row: number } {
  const refuse = (why: string) => new SatError('E_INPUT', `reference raster ${reference.source} is not on the map's grid: ${why} (resample it onto the map's grid first)`);
  const a = map.geotransform;
  const b = reference.geotransform;
  if (!a || !b) {
    if (reference.width !== map.width || reference.height !== map.height) throw refuse(`it is ${reference.width} x ${reference.height}, the map ${map.width} x ${map.height}, and one of them has no georeferencing`);
    return { col: 0, row: 0 };
  }
  if (map.epsg !== null && reference.epsg !== null && map.epsg !== reference.epsg) throw refuse(`it is in EPSG:${reference.epsg}, the map in EPSG:${map.epsg}`);
  if (a[2] !== 0 || a[4] !== 0 || b[2] !== 0 || b[4] !== 0) {
    if (a.some((v, i) => v !== b[i])) throw refuse('rotated grids must be identical');
    return { col: 0, row: 0 };
  }
  if (Math.abs(a[1] - b[1]) > Math.abs(a[1]) * 1e-6 || Math.abs(a[5] - b[5]) > Math.abs(a[5]) * 1e-6) throw refuse(`its pixels are ${b[1]} x ${Math.abs(b[5])}, the map's ${a[1]} x ${Math.abs(a[5])}`);
  const col = (a[0] - b[0]) / b[1];
  const row = (a[3] - b[3]) / b[5];
  if (Math.abs(col - Math.round(col)) > 1e-3 || Math.abs(row - Math.round(row)) > 1e-3) throw refuse(`the map's origin falls at column ${col.toFixed(3)}, row ${row.toFixed(3)} of it, not on a pixel edge`);
  return { col: Math.round(col) + 0, row: Math.round(row) + 0 }; // (+ 0: no -0)
}

/**
 * Reference classes for the points from a reference raster on the map's grid or lattice (referenceOffset; e.g. ground
 * truth, a finer map). Points where it holds `ignoreValue` (unlabelled, e.g. 0 in eo-learn's LULC) are left out.
 */
export async function labelFromRaster(sample: StratifiedSample, reference: RasterReader, map: RasterInfo, ignoreValue?: number): Promise<LabelledPoint[]> {
  const offset = referenceOffset(map, reference.info);
  const out: LabelledPoint[] = [];
  for (const p of sample.points) {
    const col = p.col + offset.col;
    const row = p.row + offset.row;
    if (col < 0 || row < 0 || col >= reference.info.width || row >= reference.info.height) {
      throw new SatError('E_INPUT', `sample point ${p.id} (col ${p.col}, row ${p.row}) lies outside the reference raster ${reference.info.source}`);
    }
    const value = (await reference.read({ col, row, width: 1, height: 1 }, { bands: [1] })).bands[0][0];
    if (value === ignoreValue) continue;
    if (value !== value || value === reference.info.nodata) throw new SatError('E_INPUT', `sample point ${p.id}: the reference raster has no class there (nodata)`);
    out.push({ id: p.id, stratum: p.stratum, ...(p.region === undefined ? {} : { region: p.region }), col: p.col, row: p.row, reference: value });
  }
  return out;
}
