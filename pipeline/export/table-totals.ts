import { gradeQuality, type QualityRules } from '../assess/quality-grade.js';
import type { StatisticsRow } from '../statistics/region-statistics.js';

/** An estimate with its confidence interval; bounds and SE are null where they cannot be estimated. */
export interface IntervalEstimate {
  estimate: number;
  se: number | null;
  lower: number | null;
  upper: number | null;
}

/** The total of one indicator and class over every region of the table. */
export interface TotalRow {
  indicator: StatisticsRow['indicator'];
  class_name: string;
  unit: StatisticsRow['unit'];
  /** Sum of the regions' mapped values. */
  mapped: number;
  /** The total's estimate (null when suppressed), or null with `why` where none can be given. */
  estimate: IntervalEstimate | null;
  why: string | null;
  /** Reference sample behind the estimate (null without one). */
  sample_size: number | null;
  /** Graded like every cell of the table (quality-grade.ts); '' where there is no estimate to grade. */
  grade: string;
  obs_status: StatisticsRow['obs_status'] | '';
  flags: string;
}

/**
 * The table's total row per indicator and class. Mapped values are summed over the regions. Area estimates are not
 * summed here (the regions' errors are correlated under a class-stratified sample): the total takes the assessment's
 * national estimate of the class, provided it covers the same area as the regions (its mapped area equals the sum
 * of theirs), else none. Building counts are corrected by one precision and recall for every region, so their SEs
 * are perfectly correlated and add up like the estimates; the total needs every region's estimate. Totals are graded
 * by the job's quality rules like the regions' cells, with the valid and cloud shares of all regions together (the
 * cloud share weighted by the area of the regions the scene reaches) and the sample behind the total.
 */
export function tableTotals(
  rows: StatisticsRow[],
  national: { sampleSize: number; classes: Map<string, { mappedHa: number; area: IntervalEstimate }> } | null,
  rules: QualityRules,
): TotalRow[] {
  const regions = new Map<string, StatisticsRow>();
  for (const r of rows) if (!regions.has(r.region)) regions.set(r.region, r);
  const all = [...regions.values()];
  const area = all.reduce((a, r) => a + r.region_area_ha, 0);
  const reached = all.filter((r) => r.valid_share > 0 || r.cloud_share > 0);
  const reachedArea = reached.reduce((a, r) => a + r.region_area_ha, 0);
  const validShare = area > 0 ? all.reduce((a, r) => a + r.valid_share * r.region_area_ha, 0) / area : 0;
  const cloudShare = reachedArea > 0 ? reached.reduce((a, r) => a + r.cloud_share * r.region_area_ha, 0) / reachedArea : 0;
  const graded = (estimate: IntervalEstimate, sampleSize: number) => {
    const cv = estimate.se === null ? null : estimate.estimate !== 0 ? estimate.se / estimate.estimate : estimate.se === 0 ? 0 : null;
    const q = gradeQuality({ cv, validShare, cloudShare, sampleSize }, rules);
    return { estimate: q.suppressed ? null : estimate, why: q.suppressed ? 'suppressed' : null, sample_size: sampleSize, grade: q.grade, obs_status: q.obsStatus, flags: q.reasons.join('; ') };
  };
  const none = (why: string) => ({ estimate: null, why, sample_size: null, grade: '', obs_status: '' as const, flags: '' });
  const groups = new Map<string, StatisticsRow[]>();
  for (const r of rows) {
    const key = `${r.indicator}\u0000${r.class_name}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const { indicator, class_name, unit } = g[0];
    const mapped = g.reduce((a, r) => a + r.mapped, 0);
    const total = { indicator, class_name, unit, mapped };
    if (indicator === 'area') {
      const n = national?.classes.get(class_name);
      if (!n) return { ...total, ...none('no reference data') };
      // Table values are rounded to 4 decimals per row; the assessment's are not.
      const tolerance = Math.max(0.01, 1e-4 * Math.abs(mapped));
      if (Math.abs(n.mappedHa - mapped) > tolerance) return { ...total, ...none('the map extends beyond the regions: see the national estimate in the accuracy table') };
      return { ...total, ...graded(n.area, national!.sampleSize) };
    }
    if (g.some((r) => r.method !== 'precision-recall' || r.estimate === null || r.se === null || r.ci_lower === null || r.ci_upper === null)) {
      return { ...total, ...none('not every region has a corrected count') };
    }
    const sum = (k: 'estimate' | 'se' | 'ci_lower' | 'ci_upper') => g.reduce((a, r) => a + (r[k] as number), 0);
    return { ...total, ...graded({ estimate: sum('estimate'), se: sum('se'), lower: sum('ci_lower'), upper: sum('ci_upper') }, g[0].sample_size) };
  });
}
