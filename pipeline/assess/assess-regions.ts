import { assessMap, type MapAssessment } from './assess-map.js';
import { drawStratifiedSample } from './draw-sample.js';
import { zFor, type IntervalMethod } from './estimate-areas.js';
import { combineRegionEstimates, estimateRegions, type CombinedEstimate, type RegionEstimate } from './estimate-regions.js';
import { stratifiedAccuracy, type SampleStratum, type StratifiedAccuracy } from './stratified-estimator.js';
import { labelFromRaster, readLabelledSample, referenceOffset, type LabelledPoint } from './sample-files.js';
import { SatError } from '../core/errors.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { requireGeoreferenced } from '../raster/georeferenced.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { RegionCoverage } from '../statistics/region-statistics.js';
import type { Region } from '../zonal/load-regions.js';
import { regionIndexRaster } from '../zonal/region-index-raster.js';

export interface RegionalAssessment {
  /** Strata of the sample: map classes, or region x map class. */
  design: 'class' | 'region-class';
  sampleSize: number;
  /** Classes of the error matrices (map and reference), and the sample counts: rows = map class, columns = reference class. */
  classes: number[];
  counts: number[][];
  /** The whole map's error matrix, accuracies and error-adjusted areas (class strata). */
  national: MapAssessment | null;
  /**
   * With region x class strata: national areas summed from the regional estimates, and accuracies with intervals by
   * Stehman's (2014) estimators over the region x class strata that have sample units (those without are listed).
   */
  nationalTotals: (CombinedEstimate & { accuracy: StratifiedAccuracy; unsampledStrata: { region: string; class: number; area: number }[] }) | null;
  regions: RegionEstimate[];
}

/** Each point must lie on the map, on a pixel of its stratum's class, and (region strata) in a known region. */
async function checkPoints(map: RasterReader, points: LabelledPoint[], regionIds: Set<string>): Promise<void> {
  const { width, height, source } = map.info;
  for (const p of points) {
    if (p.col < 0 || p.row < 0 || p.col >= width || p.row >= height) throw new SatError('E_INPUT', `sample point ${p.id} (col ${p.col}, row ${p.row}) lies outside the map ${source} (${width} x ${height})`);
    if (p.region !== undefined && !regionIds.has(p.region)) throw new SatError('E_INPUT', `sample point ${p.id}: region '${p.region}' is not one of the job's regions`);
    const v = (await map.read({ col: p.col, row: p.row, width: 1, height: 1 }, { bands: [1] })).bands[0][0];
    if (v !== p.stratum) throw new SatError('E_INPUT', `sample point ${p.id}: its stratum is ${p.stratum} but the map has ${v === map.info.nodata ? 'no class' : `class ${v}`} at col ${p.col}, row ${p.row} (a sample drawn from another map?)`);
  }
}

/**
 * Evaluation per region: the reference sample (drawn from the map and labelled from a reference raster, or
 * a labelled sample file), the national assessment where the strata are map classes, and error-adjusted areas per
 * region, from region x class strata or by domain estimation (estimate-regions.ts says which, per region).
 */
export async function assessRegions(input: {
  map: RasterReader;
  /** In the map's CRS. */
  regions: Region[];
  coverage: RegionCoverage[];
  classIds: number[];
  reference: NonNullable<JobSpec['reference']>;
  openReference: (file: string) => Promise<RasterReader>;
  seed: number;
  confidence: number;
  interval: IntervalMethod;
}): Promise<RegionalAssessment> {
  const { map, reference } = input;
  let points: LabelledPoint[];
  if ('raster' in reference) {
    const truth = await input.openReference(reference.raster);
    referenceOffset(map.info, truth.info); // a reference on another grid fails before the sample is drawn
    const regions =
      reference.strata === 'region-class'
        ? { index: regionIndexRaster(input.regions, { width: map.info.width, height: map.info.height, geotransform: requireGeoreferenced(map.info, 'class map').geotransform }), ids: input.regions.map((r) => String(r.id)) }
        : undefined;
    const sample = await drawStratifiedSample(map, { total: reference.sampleSize, minPerStratum: reference.minPerStratum, seed: input.seed, regions });
    points = await labelFromRaster(sample, truth, map.info, reference.ignoreValue);
  } else {
    points = readLabelledSample(reference.sample, reference.referenceField);
  }
  if (points.length === 0) throw new SatError('E_INPUT', 'the reference sample has no labelled point');
  const withRegion = points.filter((p) => p.region !== undefined).length;
  if (withRegion > 0 && withRegion < points.length) throw new SatError('E_INPUT', `${withRegion} of ${points.length} sample points name a region: either all do (region x class strata) or none (class strata)`);
  const design = withRegion > 0 ? 'region-class' : 'class';

  let national: MapAssessment | null = null;
  if (design === 'class') national = await assessMap(map, points, { confidence: input.confidence, interval: input.interval });
  else await checkPoints(map, points, new Set(input.regions.map((r) => String(r.id))));

  const classes = [...new Set([...input.classIds, ...points.map((p) => p.stratum), ...points.map((p) => p.reference)])].sort((a, b) => a - b);
  const regions = estimateRegions({
    classes,
    regions: input.coverage.map((c) => ({ id: c.id, mappedArea: classes.map((k) => c.mappedHa.get(k) ?? 0) })),
    points,
    confidence: input.confidence,
    interval: input.interval,
  });
  let nationalTotals: RegionalAssessment['nationalTotals'] = null;
  if (design === 'region-class') {
    const strata: SampleStratum[] = [];
    const unsampledStrata: { region: string; class: number; area: number }[] = [];
    for (const c of input.coverage) {
      for (const [cls, area] of c.mappedHa) {
        if (!(area > 0)) continue;
        const units = points.filter((p) => p.region === c.id && p.stratum === cls).map((p) => ({ map: p.stratum, reference: p.reference }));
        if (units.length) strata.push({ area, units });
        else unsampledStrata.push({ region: c.id, class: cls, area });
      }
    }
    nationalTotals = { ...combineRegionEstimates(classes, regions), accuracy: stratifiedAccuracy(strata, classes, zFor(input.confidence)), unsampledStrata };
  }
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  for (const p of points) counts[classes.indexOf(p.stratum)][classes.indexOf(p.reference)]++;
  return { design, sampleSize: points.length, classes, counts, national, nationalTotals, regions };
}
