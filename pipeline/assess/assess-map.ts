import { SatError } from '../core/errors.js';
import type { RasterReader } from '../raster/open-raster.js';
import { cellAreaFunction } from '../zonal/cell-area.js';
import { forEachClassPixel } from './draw-sample.js';
import { estimateAreas, type AreaEstimation, type IntervalMethod } from './estimate-areas.js';
import type { LabelledPoint } from './sample-files.js';

export interface MapAssessment {
  map: string;
  /** Areas are in hectares: the sum of each mapped pixel's true (ellipsoidal) area. */
  unit: 'ha';
  mappedPixels: Record<string, number>;
  sampleSize: number;
  /** Sample counts, rows = map class, columns = reference class, in the order of `estimation.classes`. */
  counts: number[][];
  estimation: AreaEstimation;
}

/**
 * Stage "evaluation" for a class map: strata = map classes, their sizes the mapped areas (true cell areas, so
 * geographic grids are right too), the labelled sample cross-tabulated map class x reference class, then
 * error-adjusted areas and accuracies with confidence intervals (Olofsson et al. 2014, estimate-areas.ts).
 * Every point is checked against the map: its stratum must be the map's class at its pixel. A mapped class without
 * any sample point cannot be estimated and is refused; one with a single point is flagged (degenerate stratum).
 */
export async function assessMap(map: RasterReader, points: LabelledPoint[], options: { confidence?: number; interval?: IntervalMethod } = {}): Promise<MapAssessment> {
  const { geotransform, proj4, width, height, source } = map.info;
  if (!geotransform || !proj4) throw new SatError('E_INPUT', `${source}: assessing areas needs a georeferenced class map`);
  const regional = points.find((p) => p.region !== undefined);
  if (regional) throw new SatError('E_INPUT', `sample point ${regional.id} names a region: a region x class stratified sample is assessed per region: give the regions (sat assess --regions, or a job's reference.sample)`);
  const byPixel = new Map<number, LabelledPoint>();
  for (const p of points) {
    if (p.col < 0 || p.row < 0 || p.col >= width || p.row >= height) {
      throw new SatError('E_INPUT', `sample point ${p.id} (col ${p.col}, row ${p.row}) lies outside the map ${source} (${width} x ${height})`);
    }
    byPixel.set(p.row * width + p.col, p);
  }
  const area = cellAreaFunction(geotransform, { epsg: map.info.epsg, proj4 });
  const pixels = new Map<number, number>();
  const areaM2 = new Map<number, number>();
  const checked = new Set<number>();
  await forEachClassPixel(map, (v, col, row) => {
    pixels.set(v, (pixels.get(v) ?? 0) + 1);
    areaM2.set(v, (areaM2.get(v) ?? 0) + area(col, row));
    const p = byPixel.get(row * width + col);
    if (!p) return;
    if (p.stratum !== v) throw new SatError('E_INPUT', `sample point ${p.id}: its stratum is ${p.stratum} but the map has class ${v} at col ${col}, row ${row} (a sample drawn from another map?)`);
    checked.add(p.id);
  });
  const unmapped = points.find((p) => !checked.has(p.id));
  if (unmapped) throw new SatError('E_INPUT', `sample point ${unmapped.id} (col ${unmapped.col}, row ${unmapped.row}) falls on a masked pixel of the map`);

  const classes = [...new Set([...pixels.keys(), ...points.map((p) => p.reference)])].sort((a, b) => a - b);
  const index = new Map(classes.map((c, k) => [c, k]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  for (const p of points) counts[index.get(p.stratum)!][index.get(p.reference)!]++;
  const empty = classes.filter((c, k) => (pixels.get(c) ?? 0) > 0 && counts[k].every((n) => n === 0));
  if (empty.length) {
    throw new SatError('E_INPUT', `the sample has no point in mapped class(es) ${empty.join(', ')}: their areas cannot be estimated (draw the sample from this map with sat sample)`);
  }
  const estimation = estimateAreas({
    classes,
    mappedArea: classes.map((c) => (areaM2.get(c) ?? 0) / 10_000),
    counts,
    confidence: options.confidence,
    interval: options.interval,
  });
  return { map: source, unit: 'ha', mappedPixels: Object.fromEntries(classes.map((c) => [String(c), pixels.get(c) ?? 0])), sampleSize: points.length, counts, estimation };
}
