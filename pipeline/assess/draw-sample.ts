import { SatError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';
import { makeTransform, WGS84 } from '../geo/crs.js';
import { pixelToWorld } from '../geo/geotransform.js';
import type { RasterReader } from '../raster/open-raster.js';
import { readStrips } from '../raster/read-strips.js';
import { allocateSample } from './allocate-sample.js';

export interface SamplePoint {
  id: number;
  /** The stratum: the map class of the sampled pixel. */
  stratum: number;
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
  strata: { stratum: number; pixels: number; sampleSize: number }[];
  points: SamplePoint[];
}

/** Scans a class map strip by strip, calling `visit(value, col, row)` for every pixel with a class (nodata skipped). */
export async function forEachClassPixel(map: RasterReader, visit: (value: number, col: number, row: number) => void): Promise<void> {
  const { width, nodata } = map.info;
  for await (const strip of readStrips(map, { bands: [1], pixelsPerStrip: 2_000_000 })) {
    const values = strip.bands[0];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v || v === nodata) continue;
      visit(v, i % width, strip.window.row + Math.floor(i / width));
    }
  }
}

/**
 * A stratified random sample of pixels from a class map, strata = map classes, sizes by allocateSample.
 * Two passes over the map in bounded memory: count each class's pixels, draw which ranks to take (seeded),
 * then collect those pixels. Same map and seed → the same sample.
 */
export async function drawStratifiedSample(map: RasterReader, options: { total: number; minPerStratum?: number; seed: number }): Promise<StratifiedSample> {
  const gt = map.info.geotransform;
  if (!gt || !map.info.proj4) throw new SatError('E_INPUT', `${map.info.source}: a sample needs a georeferenced class map`);
  const counts = new Map<number, number>();
  await forEachClassPixel(map, (v) => counts.set(v, (counts.get(v) ?? 0) + 1));
  const classes = [...counts.keys()].sort((a, b) => a - b);
  if (classes.length === 0) throw new SatError('E_INPUT', `${map.info.source}: the class map has no classified pixel`);
  const sizes = allocateSample(classes.map((c) => counts.get(c)!), options.total, options.minPerStratum ?? 50);
  const random = seededRandom(options.seed);
  // For each class, the ranks (order of appearance in the map) of the pixels to take: a partial Fisher–Yates draw.
  const chosen = new Map<number, Set<number>>();
  classes.forEach((c, k) => {
    const n = counts.get(c)!;
    const picked = new Map<number, number>();
    const ranks = new Set<number>();
    for (let i = 0; i < sizes[k]; i++) {
      const j = i + Math.floor(random() * (n - i));
      const vj = picked.get(j) ?? j;
      picked.set(j, picked.get(i) ?? i);
      ranks.add(vj);
    }
    chosen.set(c, ranks);
  });
  const seen = new Map<number, number>();
  const toLonLat = makeTransform({ epsg: map.info.epsg, proj4: map.info.proj4 }, WGS84);
  const points: Omit<SamplePoint, 'id'>[] = [];
  await forEachClassPixel(map, (v, col, row) => {
    const rank = seen.get(v) ?? 0;
    seen.set(v, rank + 1);
    if (!chosen.get(v)!.has(rank)) return;
    const [x, y] = pixelToWorld(gt, col + 0.5, row + 0.5);
    const [lon, lat] = toLonLat([x, y]);
    points.push({ stratum: v, col, row, x, y, lon, lat });
  });
  return {
    seed: options.seed,
    strata: classes.map((c, k) => ({ stratum: c, pixels: counts.get(c)!, sampleSize: sizes[k] })),
    points: points.map((p, id) => ({ id: id + 1, ...p })),
  };
}
