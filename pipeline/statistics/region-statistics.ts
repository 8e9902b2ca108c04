import type { RegionEstimate, RegionEstimationMethod } from '../assess/estimate-regions.js';
import { gradeQuality, type QualityRules } from '../assess/quality-grade.js';

/** One published cell: an indicator for a class in a region, with its uncertainty and quality flags. */
export interface StatisticsRow {
  region: string;
  indicator: 'area' | 'building_count';
  class: number;
  class_name: string;
  unit: 'ha' | 'count';
  /** What the map says: area mapped as the class (exact coverage, true cell areas), or objects counted. */
  mapped: number;
  /** Error-adjusted estimate and its uncertainty; empty without reference data or when suppressed. */
  estimate: number | null;
  se: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  cv: number | null;
  /** Region's area (geodesic) and the shares of it that were classified, and of its part in the scene under cloud. */
  region_area_ha: number;
  valid_share: number;
  cloud_share: number;
  sample_size: number;
  method: RegionEstimationMethod | 'mapped-only' | 'precision-recall';
  grade: string;
  obs_status: 'E' | 'U' | 'Q';
  suppressed: boolean;
  /** Why the grade or status is what it is, '; '-separated. */
  flags: string;
}

export const STATISTICS_COLUMNS: (keyof StatisticsRow)[] = [
  'region', 'indicator', 'class', 'class_name', 'unit', 'mapped', 'estimate', 'se', 'ci_lower', 'ci_upper', 'cv',
  'region_area_ha', 'valid_share', 'cloud_share', 'sample_size', 'method', 'grade', 'obs_status', 'suppressed', 'flags',
];

/** What the pixel-status raster says about a region, in hectares. */
export interface RegionCoverage {
  id: string;
  areaHa: number;
  classifiedHa: number;
  /** Under cloud, or without any clear observation in the period (a composite), which is part of it. */
  cloudHa: number;
  noClearObservationHa?: number;
  /** Part of the region inside the scene (classified, cloud or no data). */
  inSceneHa: number;
  /** Mapped area per class id. */
  mappedHa: Map<number, number>;
}

/** Objects counted per region and the model's measured object precision and recall (from its held-out evaluation). */
export interface BuildingCountInput {
  classId: number;
  counts: Map<string, number>;
  accuracy: { precision: number; recall: number; predicted: number; reference: number } | null;
}

const fixed = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));

/**
 * The per-region statistics table: for each region, class and indicator the mapped value, the estimate with SE,
 * CI and CV, the valid and cloud shares, the sample size, a quality grade and SDMX OBS_STATUS
 * (quality-grade.ts); suppressed cells keep their mapped value but publish no estimate. Rounded to fixed
 * digits so that the same inputs give byte-identical files.
 */
export function regionStatistics(input: {
  classes: { id: number; name: string }[];
  regions: RegionCoverage[];
  estimates: RegionEstimate[] | null;
  buildings: BuildingCountInput | null;
  quality: QualityRules;
  /** Normal quantile of the confidence intervals (1.96 for 95 %). */
  z: number;
  /** Why there are no estimates, when there are none (default: no reference data). */
  unassessed?: string;
}): StatisticsRow[] {
  const estimates = new Map(input.estimates?.map((e) => [e.region, e]));
  const rows: StatisticsRow[] = [];
  for (const region of input.regions) {
    const shares = {
      region_area_ha: fixed(region.areaHa, 4)!,
      valid_share: region.areaHa > 0 ? fixed(Math.min(1, region.classifiedHa / region.areaHa), 6)! : 0,
      cloud_share: region.inSceneHa > 0 ? fixed(region.cloudHa / region.inSceneHa, 6)! : 0,
    };
    const publish = (base: Pick<StatisticsRow, 'indicator' | 'class' | 'class_name' | 'unit' | 'mapped' | 'method'>, value: { estimate: number; se: number | null; lower: number | null; upper: number | null } | null, sampleSize: number, flags: string[], digits: number, evidence?: { points: number; errors: number }) => {
      // A zero estimate has no CV; it is graded as an estimate without observed errors (quality-grade.ts).
      const zeroEstimate = value !== null && value.se !== null && value.estimate === 0;
      const cv = value && value.se !== null && !zeroEstimate ? value.se / value.estimate : null;
      const q = gradeQuality({ cv, zeroEstimate, evidence, validShare: shares.valid_share, cloudShare: shares.cloud_share, sampleSize }, input.quality);
      const show = value && !q.suppressed;
      rows.push({
        region: region.id,
        ...base,
        mapped: fixed(base.mapped, digits)!,
        estimate: show ? fixed(value.estimate, digits) : null,
        se: show ? fixed(value.se, digits) : null,
        ci_lower: show ? fixed(value.lower, digits) : null,
        ci_upper: show ? fixed(value.upper, digits) : null,
        cv: show ? fixed(cv, 6) : null,
        ...shares,
        sample_size: sampleSize,
        grade: q.grade,
        obs_status: q.obsStatus,
        suppressed: q.suppressed,
        flags: [...flags, ...q.reasons].join('; '),
      });
    };

    const estimate = estimates.get(region.id);
    // A region the scene does not touch has zeros that say nothing about it; a composite's pixels without a clear
    // observation count as cloud in the shares, and the flag says how much.
    const regionFlags = region.inSceneHa > 0 ? [] : ['region outside the scene'];
    if (region.noClearObservationHa && region.inSceneHa > 0) regionFlags.push(`no clear observation in the period: ${((100 * region.noClearObservationHa) / region.inSceneHa).toFixed(1)} % of the region in the scene`);
    for (const c of input.classes) {
      const base = { indicator: 'area' as const, class: c.id, class_name: c.name, unit: 'ha' as const, mapped: region.mappedHa.get(c.id) ?? 0 };
      if (!estimate) {
        publish({ ...base, method: 'mapped-only' }, null, 0, [...regionFlags, input.estimates ? 'region not covered by the assessment' : `${input.unassessed ?? 'no reference data'}: mapped area only`], 4);
        continue;
      }
      const flags: string[] = [...regionFlags];
      if (estimate.method === 'domain') flags.push('domain estimate: class errors assumed the same in every region');
      if (estimate.borrowedStrata.includes(c.id)) flags.push('this class had under 2 sample points in the region: pooled sample used');
      const cls = estimate.estimation?.classes.find((k) => k.class === c.id);
      if (estimate.estimation && estimate.estimation.degenerateStrata.length > 0) flags.push(`strata with n <= 1: ${estimate.estimation.degenerateStrata.join(', ')}`);
      if (!estimate.estimation) flags.push('no classified pixel in the region');
      if (cls && cls.area.se === 0 && cls.area.estimate > 0) flags.push('no classification error in the sample: an SE of 0 understates the uncertainty');
      const value = cls ? { estimate: cls.area.estimate, se: cls.area.se, lower: cls.area.lower, upper: cls.area.upper } : null;
      const evidence = cls ? { points: cls.classPoints, errors: cls.errorsObserved } : undefined;
      publish({ ...base, method: estimate.method }, value, estimate.sampleSize, flags, 4, evidence);
    }

    if (input.buildings) {
      const b = input.buildings;
      const count = b.counts.get(region.id) ?? 0;
      const name = input.classes.find((c) => c.id === b.classId)?.name ?? String(b.classId);
      const base = { indicator: 'building_count' as const, class: b.classId, class_name: name, unit: 'count' as const, mapped: count };
      const a = b.accuracy;
      if (!a || !(a.precision > 0) || !(a.recall > 0)) {
        publish({ ...base, method: 'mapped-only' }, null, 0, [...regionFlags, 'no measured object precision/recall: count as mapped'], 0);
      } else {
        // Corrected count = mapped count x precision / recall (false detections out, missed buildings in). Delta
        // method, assuming each building is detected independently with the held-out recall and false detections
        // arrive as a Poisson count (bench/interval-coverage.ts measures the coverage): precision / recall is
        // reference / predicted on the held-out part, Var(predicted) = reference r (1 - r) + predicted (1 - p); the
        // region's own detections vary too, Var(count) = N̂ r (1 - r) + count (1 - p). The two parts are independent.
        const { precision: p, recall: r } = a;
        const estimate = (count * p) / r;
        const heldOut = (a.reference * r * (1 - r) + a.predicted * (1 - p)) / a.predicted ** 2;
        const own = count > 0 ? (estimate * r * (1 - r) + count * (1 - p)) / count ** 2 : 0;
        const se = estimate * Math.sqrt(heldOut + own);
        publish({ ...base, method: 'precision-recall' }, { estimate, se, lower: estimate - input.z * se, upper: estimate + input.z * se }, a.reference, [...regionFlags, `corrected by the model's object precision ${a.precision.toFixed(3)} and recall ${a.recall.toFixed(3)}`], 2);
      }
    }
  }
  return rows;
}
