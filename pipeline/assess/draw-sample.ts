import { SatError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';
import { makeTransform, WGS84 } from '../geo/crs.js';
import { pixelToWorld } from '../geo/geotransform.js';
import type { RasterReader } from '../raster/open-raster.js';
import { readStrips } from '../raster/read-strips.js';
import { allocateSample } from './allocate-sample.js';

export interface SamplePoint {
  id: number;
  /** The map class of the sampled pixel (with region strata, the stratum is region x this class). */
  stratum: number;
  /** With region x class strata: the id of the region holding the pixel's centre. */
  region?: string;
  col: number;
  row: number;
  /** Pixel centre in the map's CRS and in longitude/latitude. */
  x: number;
  y: number;
  lon: number;
  lat: number;
}

export interface StratifiedSample {
  seed: number;
  strata: { region?: string; stratum: number; pixels: number; sampleSize: number }[];
  points: SamplePoint[];
}

/** Region x class strata: a pixel's region from a region-index raster on the map's grid (regionIndexRaster). */
export interface RegionStrata {
  /** 1-based index into `ids` per pixel, 0 outside every region (such pixels are not sampled). */
  index: Uint16Array;
  ids: string[];
}

/** Scans a class map strip by strip, calling `visit(value, col, row)` for every pixel with a class (nodata skipped). */
export async function forEachClassPixel(map: RasterReader, visit: (value: number, col: number, row: number) => void): Promise<void> {
  const { width, nodata } = map.info;
  for await (const strip of readStrips(map, { bands: [1], pixelsPerStrip: 2_000_000 })) {
    const values = strip.bands[0];
    for (let y = 0, i = 0; y < strip.window.height; y++) {
      const row = strip.window.row + y;
      for (let x = 0; x < width; x++, i++) {
        const v = values[i];
        if (v !== v || v === nodata) continue;
        visit(v, x, row);
      }
    }
  }
}

/**
 * A stratified random sample of pixels from a class map, strata = map classes or, with `regions`, region x map
 * class (Olofsson et al. 2014, §4.5: each region then has its own valid error matrix); sizes by allocateSample.
 * Two passes over the map in bounded memory: count each stratum's pixels, draw which ranks to take (seeded),
 * then collect those pixels. Same map, regions and seed → the same sample.
 */
export async function drawStratifiedSample(
  map: RasterReader,
  options: { total: number; minPerStratum?: number; seed: number; regions?: RegionStrata },
): Promise<StratifiedSample> {
  const gt = map.info.geotransform;
  if (!gt || !map.info.proj4) throw new SatError('E_INPUT', `${map.info.source}: a sample needs a georeferenced class map`);
  const { regions } = options;
  const width = map.info.width;
  if (regions && regions.index.length !== width * map.info.height) throw new SatError('E_INPUT', 'the region index raster is not on the class map\'s grid');
  // Stratum key: region index (0 without regions) * 256 + class; class maps are uint8.
  // Counted in arrays by key, not Maps: both passes visit every pixel of the map.
  const keyOf = regions ? (v: number, col: number, row: number) => regions.index[row * width + col] * 256 + v : (v: number) => v;
  const counts = new Float64Array(((regions?.ids.length ?? 0) + 1) * 256);
  await forEachClassPixel(map, (v, col, row) => {
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) throw new SatError('E_INPUT', `${map.info.source}: value ${v} at pixel (${col}, ${row}) is not a class id (a class map holds 0 to 255)`);
    counts[keyOf(v, col, row)]++;
  });
  // With regions, key < 256 is outside every region: not sampled.
  const keys = [...counts.keys()].filter((key) => counts[key] > 0 && (key >= 256 || !regions));
  if (keys.length === 0) throw new SatError('E_INPUT', `${map.info.source}: the class map has no classified pixel${regions ? ' inside the regions' : ''}`);
  const sizes = allocateSample(keys.map((k) => counts[k]), options.total, options.minPerStratum ?? 50);
  const random = seededRandom(options.seed);
  // For each stratum, the ranks (order of appearance in the map) of the pixels to take: a partial Fisher–Yates draw,
  // kept ascending, so the scan below compares each pixel's rank with the stratum's next one instead of a set look-up.
  const chosen: (number[] | undefined)[] = [];
  keys.forEach((key, k) => {
    const n = counts[key];
    const picked = new Map<number, number>();
    const ranks: number[] = [];
    for (let i = 0; i < sizes[k]; i++) {
      const j = i + Math.floor(random() * (n - i));
      const vj = picked.get(j) ?? j;
      picked.set(j, picked.get(i) ?? i);
      ranks.push(vj);
    }
    chosen[key] = ranks.sort((a, b) => a - b);
  });
  const regionOf = (key: number) => (regions ? { region: regions.ids[Math.floor(key / 256) - 1] } : {});
  const seen = new Float64Array(counts.length);
  const taken = new Float64Array(counts.length); // per stratum, how many of its chosen ranks are passed
  const toLonLat = makeTransform({ epsg: map.info.epsg, proj4: map.info.proj4 }, WGS84);
  const points: Omit<SamplePoint, 'id'>[] = [];
  await forEachClassPixel(map, (v, col, row) => {
    const key = keyOf(v, col, row);
    const ranks = chosen[key];
    if (!ranks) return;
    const rank = seen[key]++;
    if (ranks[taken[key]] !== rank) return;
    taken[key]++;
    const [x, y] = pixelToWorld(gt, col + 0.5, row + 0.5);
    const [lon, lat] = toLonLat([x, y]);
    points.push({ stratum: v, ...regionOf(key), col, row, x, y, lon, lat });
  });
  return {
    seed: options.seed,
    strata: keys.map((key, k) => ({ ...regionOf(key), stratum: key % 256, pixels: counts[key], sampleSize: sizes[k] })),
    points: points.map((p, id) => ({ id: id + 1, ...p })),
  };
}
