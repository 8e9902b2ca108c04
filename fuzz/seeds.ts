/**
 * Seed inputs: small GeoTIFFs written with our writer (plus hand-built blocks for the codecs it does not write),
 * small real files from the shared data folder (referenced at run time, never copied into the repository),
 * small FeatureCollections and job specs.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { writeGeoTiff } from '../pipeline/raster/write-geotiff.js';
import { allocPixels, type DType } from '../pipeline/raster/types.js';
import { concat, patchTag, tiffLayout } from './mutate.js';
import type { TargetName } from './targets.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDataDir = process.env.SAT_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

const MAX_SHARED_SEED = 200 * 1024;

function shared(target: TargetName, rel: string[]): Seed[] {
  const out: Seed[] = [];
  for (const r of rel) {
    const f = path.join(sharedDataDir, r);
    if (existsSync(f) && statSync(f).size < MAX_SHARED_SEED) out.push({ name: `shared:${r}`, bytes: new Uint8Array(readFileSync(f)) });
  }
  if (out.length === 0) console.warn(`[fuzz] ${target}: no shared seeds found under ${sharedDataDir} (set SAT_SHARED_DATA)`);
  return out;
}

/** Saved regression inputs are seeds too: mutating near old bugs finds their cousins. */
export function regressionSeeds(target: TargetName): Seed[] {
  const dir = path.join(repoRoot, 'test/fuzz-regressions', target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .map((f) => ({ name: `regression:${f}`, bytes: new Uint8Array(readFileSync(path.join(dir, f))) }));
}

// ------------------------------------------------------------------------------------------------- TIFF

function ramp(dtype: DType, n: number, k: number) {
  const a = allocPixels(dtype, n);
  for (let i = 0; i < n; i++) a[i] = dtype.startsWith('float') ? Math.sin(i + k) * 100 : (i * 7 + k) % 200;
  return a;
}

async function written(dir: string, name: string, dtype: DType, w: number, h: number, bands: number, opts: Parameters<typeof writeGeoTiff>[2]): Promise<Seed> {
  const file = path.join(dir, `${name}.tif`);
  await writeGeoTiff(file, { window: { col: 0, row: 0, width: w, height: h }, dtype, bands: Array.from({ length: bands }, (_, k) => ramp(dtype, w * h, k)) }, opts);
  return { name: `written:${name}`, bytes: new Uint8Array(readFileSync(file)) };
}

function packBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 128) {
    const run = data.subarray(i, i + 128);
    out.push(run.length - 1, ...run);
  }
  return Uint8Array.from(out);
}

/** TIFF LZW (MSB-first, 9-bit codes): literals only, a Clear code every 200 codes so the width never grows. */
function lzw(data: Uint8Array): Uint8Array {
  const codes: number[] = [256];
  data.forEach((b, i) => {
    if (i > 0 && i % 200 === 0) codes.push(256);
    codes.push(b);
  });
  codes.push(257);
  const out = new Uint8Array(Math.ceil((codes.length * 9) / 8) + 1);
  let bit = 0;
  for (const c of codes) {
    for (let k = 8; k >= 0; k--, bit++) if ((c >> k) & 1) out[bit >> 3] |= 0x80 >> (bit & 7);
  }
  return out;
}

/** A Zstandard frame holding one raw block (no compression; valid for any decoder). */
function zstdRaw(data: Uint8Array): Uint8Array {
  const n = data.length;
  const header = [0x28, 0xb5, 0x2f, 0xfd, 0x60, (n - 256) & 0xff, ((n - 256) >> 8) & 0xff];
  const bh = 1 | (n << 3);
  return concat(Uint8Array.from([...header, bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff]), data);
}

/** A one-tile 16x16 uint8 file with its tile replaced by `payload` and the Compression tag set to `compression`. */
function withCodec(base: Uint8Array, compression: number, payload: Uint8Array): Uint8Array {
  const b = concat(base, payload);
  patchTag(b, 259, compression);
  patchTag(b, 324, base.length);
  patchTag(b, 325, payload.length);
  return b;
}

export async function tiffSeeds(tmp: string): Promise<Seed[]> {
  const gt = [500000, 10, 0, 5000000, 0, -10] as [number, number, number, number, number, number];
  const seeds: Seed[] = [
    await written(tmp, 'u8-none', 'uint8', 16, 16, 1, { geotransform: gt, epsg: 32633, compression: 'none', tileSize: 16 }),
    await written(tmp, 'u16-deflate-pred2-ovr', 'uint16', 40, 24, 3, { geotransform: gt, epsg: 32633, nodata: 0, compression: 'deflate', predictor: 2, tileSize: 16, overviews: [2] }),
    await written(tmp, 'f32-deflate-pred3-rotated', 'float32', 20, 20, 2, { geotransform: [10, 0.1, 0.02, 45, 0.01, -0.1], epsg: 4326, nodata: NaN, compression: 'deflate', predictor: 3, tileSize: 16, bandDescriptions: ['a', 'b'], metadata: { k: 'v' } }),
    await written(tmp, 'i16-bigtiff', 'int16', 17, 33, 1, { geotransform: gt, epsg: 3857, nodata: -9999, compression: 'deflate', tileSize: 16, bigTiff: 'yes' }),
    await written(tmp, 'f64-none-noepsg', 'float64', 16, 16, 1, { geotransform: gt, epsg: null, compression: 'none', tileSize: 16 }),
  ];
  const base = seeds[0].bytes;
  const pixels = base.slice(tiffLayout(base)!.entries.find((e) => e.tag === 324) ? new DataView(base.buffer).getUint32(tiffLayout(base)!.entries.find((e) => e.tag === 324)!.valueAt, true) : 0).subarray(0, 256);
  const jpeg = new Uint8Array(await sharp(Buffer.from(pixels), { raw: { width: 16, height: 16, channels: 1 } }).jpeg({ quality: 80 }).toBuffer());
  seeds.push(
    { name: 'codec:packbits', bytes: withCodec(base, 32773, packBits(pixels)) },
    { name: 'codec:lzw', bytes: withCodec(base, 5, lzw(pixels)) },
    { name: 'codec:zstd', bytes: withCodec(base, 50000, zstdRaw(pixels)) },
    { name: 'codec:jpeg', bytes: withCodec(base, 7, jpeg) },
    // no LERC encoder here: the tag with raw bytes, so at least the LERC header checks are fuzzed
    { name: 'codec:lerc-raw', bytes: withCodec(base, 34887, pixels) },
  );
  return [
    ...seeds,
    ...shared('tiff', [
      '05_geotiff_format_variants/rasterio_cc0/float_nan.tif', // none, float32
      '05_geotiff_format_variants/rasterio_cc0/rotated.tif', // packbits, rotated transform
      '05_geotiff_format_variants/rasterio_cc0/all-nodata.tif', // LZW + predictor 2, tiled
      '05_geotiff_format_variants/rasterio_cc0/RGBA.uint16.tif', // deflate, 4 bands
      '05_geotiff_format_variants/generated_from_real/s2ndvi_f32_nan_nodata_2016-03-17.tif', // deflate + predictor 3, NaN nodata
      '05_geotiff_format_variants/rasterio_cc0/float_raster_with_nodata.tif',
    ]),
    ...regressionSeeds('tiff'),
  ];
}

// ---------------------------------------------------------------------------------------------- GeoJSON

const sq = (x: number, y: number, s: number) => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

export function regionSeeds(): Seed[] {
  const docs: Record<string, unknown> = {
    'fc-squares': {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { id: 'A', name: 'a' }, geometry: { type: 'Polygon', coordinates: [sq(14, 46, 0.5)] } },
        { type: 'Feature', properties: { id: 'B' }, geometry: { type: 'Polygon', coordinates: [sq(14.5, 46, 0.5), sq(14.6, 46.1, 0.1)] } },
        { type: 'Feature', properties: { id: 3 }, geometry: { type: 'MultiPolygon', coordinates: [[sq(15, 46, 0.2)], [sq(15.5, 46, 0.2)]] } },
      ],
    },
    'fc-utm-crs': {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32633' } },
      features: [{ type: 'Feature', id: 7, properties: {}, geometry: { type: 'Polygon', coordinates: [sq(500000, 5100000, 1000)] } }],
    },
    'feature-aoi': { type: 'Feature', properties: { id: 'x' }, geometry: { type: 'Polygon', coordinates: [sq(0, 0, 1)] } },
    'bare-multipolygon': { type: 'MultiPolygon', coordinates: [[sq(1, 1, 1)], [sq(3, 3, 1), sq(3.2, 3.2, 0.1)]] },
    'fc-mixed': {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { id: 'p' }, geometry: { type: 'Point', coordinates: [1, 2] } },
        { type: 'Feature', properties: { id: 'l' }, geometry: { type: 'LineString', coordinates: [[1, 2], [3, 4]] } },
        { type: 'Feature', properties: { id: 'g' }, geometry: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [sq(0, 0, 1)] }] } },
        { type: 'Feature', properties: { id: 'n' }, geometry: null },
      ],
    },
  };
  return [
    ...Object.entries(docs).map(([name, d]) => ({ name: `written:${name}`, bytes: new TextEncoder().encode(JSON.stringify(d)) })),
    ...shared('regions', [
      '07_admin_boundaries/us_counties_census2010/counties_overlapping_our_scenes.geojson',
      '07_admin_boundaries/slovenia_gurs/slovenia_border_epsg32633_from_eolearn.geojson',
    ]),
    ...regressionSeeds('regions'),
  ];
}

// ---------------------------------------------------------------------------------------------- job spec

const MINIMAL_JOB = `name: minimal
imagery: scene.tif
model: model
regions: { file: regions.geojson, idField: id }
period: '2020-01-01'
out: out
`;

const FULL_JOB = JSON.stringify({
  name: 'full',
  imagery: 'https://example.org/s.tif',
  aux: 'aux.tif',
  aoi: 'aoi.geojson',
  model: 'm',
  regions: { file: 'r.geojson', idField: 'id', method: 'centroid' },
  reference: { sample: 'ref.geojson', referenceField: 'cls' },
  period: { start: '2020-01-01', end: '2020-12-31' },
  confidence: 0.9,
  quality: { cvBands: [{ grade: 'A', maxCv: 0.05 }, { grade: 'B', maxCv: 0.2 }], worstGrade: 'C', minValidShare: 0.5, maxCloudShare: 0.3, minSampleSize: 10, suppress: ['C'] },
  buildings: { minPixels: 5 },
  sdmx: { agency: 'X', classCodes: { water: 'W' }, attributes: { grade: null } },
  report: { choroplethClass: 'water' },
  seed: 3,
  out: 'o',
});

export function jobSeeds(): Seed[] {
  const enc = (s: string) => new TextEncoder().encode(s);
  const seeds: Seed[] = [
    { name: 'written:minimal', bytes: enc(MINIMAL_JOB) },
    { name: 'written:full-json', bytes: enc(FULL_JOB) },
  ];
  const slovenia = path.join(repoRoot, 'config/jobs/slovenia-patch.yaml');
  if (existsSync(slovenia)) seeds.push({ name: 'config:slovenia-patch.yaml', bytes: new Uint8Array(readFileSync(slovenia)) });
  return [...seeds, ...regressionSeeds('jobspec')];
}
