import { estimateAreas, type AreaEstimation, type IntervalMethod } from './estimate-areas.js';
import type { LabelledPoint } from './sample-files.js';

/** How a region's estimate was obtained, as its statistics' flag says. */
export type RegionEstimationMethod =
  /** Every mapped class of the region had its own sample (region x class strata): a valid error matrix per region. */
  | 'region-strata'
  /** Some region x class strata had fewer than two sample points and borrowed the class's pooled sample. */
  | 'region-strata-partly-domain'
  /** Class strata only: the class-conditional corrections of the whole sample applied to the region (errors assumed the same everywhere). */
  | 'domain';

export interface RegionEstimate {
  region: string;
  method: RegionEstimationMethod;
  /** Map classes whose region x class stratum borrowed the pooled sample. */
  borrowedStrata: number[];
  /** Sample points behind the estimate: the region's own, or, for domain estimates, the whole sample. */
  sampleSize: number;
  /** null when the region has no mapped area. */
  estimation: AreaEstimation | null;
}

/**
 * Error-adjusted areas per region (Olofsson et al. 2014, §4.5; ../shared/docs/estimation.md "Applying this to
 * regions"). One mechanism for both designs: region r's estimate is the stratified estimator over its own mapped
 * areas A(r, i), with each stratum's row of the error matrix taken from the region's sample of that class when it has
 * at least two points (region x class strata), else from the pooled sample of the class (domain estimation), which
 * is flagged. With class strata only, every row is pooled: Â(r, j) = Σ_i A(r, i) n_ij / n_i, SE from the same rows.
 */
export function estimateRegions(input: {
  /** All classes, map and reference, in the order of the error matrix. */
  classes: number[];
  /** Mapped area of each class per region (any unit; the estimates have it), in `classes` order. */
  regions: { id: string; mappedArea: number[] }[];
  points: LabelledPoint[];
  confidence?: number;
  interval?: IntervalMethod;
}): RegionEstimate[] {
  const { classes, points } = input;
  const index = new Map(classes.map((c, k) => [c, k]));
  const matrix = () => classes.map(() => new Array<number>(classes.length).fill(0));
  const pooled = matrix();
  const byRegion = new Map<string, number[][]>();
  const regionSample = new Map<string, number>();
  for (const p of points) {
    const i = index.get(p.stratum);
    const j = index.get(p.reference);
    if (i === undefined || j === undefined) throw new RangeError(`sample point ${p.id}: class ${i === undefined ? p.stratum : p.reference} is not among ${classes.join(', ')}`);
    pooled[i][j]++;
    if (p.region === undefined) continue;
    if (!byRegion.has(p.region)) byRegion.set(p.region, matrix());
    byRegion.get(p.region)![i][j]++;
    regionSample.set(p.region, (regionSample.get(p.region) ?? 0) + 1);
  }
  const regionStrata = byRegion.size > 0;
  const rowSum = (row: number[]) => row.reduce((a, b) => a + b, 0);

  return input.regions.map(({ id, mappedArea }) => {
    const own = byRegion.get(id);
    const borrowed: number[] = [];
    const counts = classes.map((c, i) => {
      if (own && rowSum(own[i]) >= 2) return own[i];
      if (mappedArea[i] > 0) borrowed.push(c);
      return pooled[i];
    });
    const method: RegionEstimationMethod = !regionStrata ? 'domain' : borrowed.length === 0 ? 'region-strata' : 'region-strata-partly-domain';
    const total = mappedArea.reduce((a, b) => a + b, 0);
    return {
      region: id,
      method,
      borrowedStrata: regionStrata ? borrowed : [],
      sampleSize: regionStrata ? (regionSample.get(id) ?? 0) : points.length,
      estimation: total > 0 ? estimateAreas({ classes, mappedArea, counts, confidence: input.confidence, interval: input.interval }) : null,
    };
  });
}

/** National areas from region x class strata: sums over regions of independent stratified estimates. */
export interface CombinedEstimate {
  classes: { class: number; mappedArea: number; estimate: number; se: number | null }[];
  /** Error matrix in area proportions of the whole area: Σ_r (A_r / A) p_ij(r). */
  proportions: number[][];
}

/**
 * Combines regional estimates over the same classes into national ones (estimation.md §4.5: "national totals are
 * sums of regional Â_j, and their variances add because the strata are independent"); the proportion matrix is
 * area-weighted. National accuracies of such designs come from stratifiedAccuracy (Stehman 2014).
 */
export function combineRegionEstimates(classes: number[], regions: RegionEstimate[]): CombinedEstimate {
  const parts = regions.flatMap((r) => (r.estimation ? [r.estimation] : []));
  const total = parts.reduce((a, e) => a + e.totalArea, 0);
  const proportions = classes.map(() => new Array<number>(classes.length).fill(0));
  for (const e of parts) e.proportions.forEach((row, i) => row.forEach((p, j) => (proportions[i][j] += (e.totalArea / total) * p)));
  return {
    classes: classes.map((c, j) => {
      const own = parts.map((e) => e.classes[j]);
      const unknown = own.some((k) => k.area.se === null);
      return {
        class: c,
        mappedArea: own.reduce((a, k) => a + k.mappedArea, 0),
        estimate: own.reduce((a, k) => a + k.area.estimate, 0),
        se: unknown ? null : Math.sqrt(own.reduce((a, k) => a + k.area.se! ** 2, 0)),
      };
    }),
    proportions,
  };
}
