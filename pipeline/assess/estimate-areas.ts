import { SatError } from '../core/errors.js';

/**
 * Good-practice area estimation and accuracy assessment from a stratified random sample whose strata are the
 * map classes (Olofsson et al. 2013, 2014; formulas in ../shared/docs/estimation.md). Areas are in whatever unit
 * `mappedArea` uses (pixels, ha, m²).
 */
export interface EstimationInput {
  classes: (string | number)[];
  /** Mapped area of each class (the strata sizes), in the unit the estimates should have. */
  mappedArea: number[];
  /** Sample counts: rows = map class (stratum), columns = reference class, in `classes` order. */
  counts: number[][];
  /** Confidence level of the intervals; default 0.95. */
  confidence?: number;
  /** How the per-stratum variances are estimated (see IntervalMethod); default 'adjusted'. */
  interval?: IntervalMethod;
}

/**
 * How the confidence intervals are made. Both use the same (unbiased) estimates and z x SE; they differ in the
 * per-stratum variance terms p(1 - p) / (n_i - 1) of a share p of stratum i's sample:
 * - 'wald': p is the observed share n_ij / n_i (Olofsson et al. 2013, 2014, as published: the worked examples
 *   reproduce with it). A stratum where class j was never observed adds nothing to class j's variance, so a class
 *   whose few omission errors sit in a large stratum often gets an SE of 0 and an interval that is a point.
 * - 'adjusted' (the default): p is shrunk by SMOOTHING_COUNTS pseudo-point per stratum, spread over the reference
 *   classes in proportion to their estimated area shares: p = (n_ij + k p̂_.j) / (n_i + k). This is the add-pseudo-counts
 *   idea of Agresti & Coull (1998) and Brown, Cai & DasGupta (2001) for one binomial proportion, with the pooled
 *   composition as the prior mean (a Dirichlet prior of weight k) so that classes absent from a stratum in the
 *   sample still carry the uncertainty its sample size leaves, in proportion to how common they are. Bounds are
 *   clipped to the possible range (areas >= 0, accuracies in [0, 1]). Coverage by bench/interval-coverage.ts:
 *   README, "How good are the statistics".
 */
export type IntervalMethod = 'wald' | 'adjusted';
export const INTERVAL_METHODS: IntervalMethod[] = ['adjusted', 'wald'];
/** The prior's weight k, in sample points per stratum: the smallest of 0.5, 1, 2, 4 that gave >= 0.94 coverage in every harness design. */
export const SMOOTHING_COUNTS = 1;

export interface Interval {
  estimate: number;
  se: number | null;
  /** Half-width of the confidence interval (z * se). */
  halfWidth: number | null;
  lower: number | null;
  upper: number | null;
}

export interface ClassEstimate {
  class: string | number;
  mappedArea: number;
  weight: number;
  sampleSize: number;
  area: Interval & { cv: number | null };
  areaProportion: number;
  /** Sample points that speak about the class (mapped as it or labelled it), and how many of them disagree. */
  classPoints: number;
  errorsObserved: number;
  usersAccuracy: Interval | null;
  producersAccuracy: Interval | null;
}

export interface AreaEstimation {
  totalArea: number;
  confidence: number;
  z: number;
  /** Error matrix in area proportions, p_ij = W_i n_ij / n_i. */
  proportions: number[][];
  classes: ClassEstimate[];
  overallAccuracy: Interval;
  /** Strata whose sample size is 0 or 1: their variance terms cannot be estimated, so SEs depending on them are null. */
  degenerateStrata: (string | number)[];
  interval: IntervalMethod;
}

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The normal quantile of a two-sided interval, as tabulated to two decimals: 1.96 for 95 %, as the published estimates use. */
export function zFor(confidence: number): number {
  return Number(normalQuantile(1 - (1 - confidence) / 2).toFixed(2));
}

/** estimate ± z·se; with `range`, the bounds are clipped to it. */
function interval(estimate: number, variance: number | null, z: number, range?: [number, number]): Interval {
  if (variance === null) return { estimate, se: null, halfWidth: null, lower: null, upper: null };
  const se = Math.sqrt(Math.max(0, variance));
  const [lo, hi] = range ?? [-Infinity, Infinity];
  return { estimate, se, halfWidth: z * se, lower: Math.max(lo, estimate - z * se), upper: Math.min(hi, estimate + z * se) };
}

export function estimateAreas(input: EstimationInput): AreaEstimation {
  const { classes, mappedArea, counts } = input;
  const q = classes.length;
  if (mappedArea.length !== q || counts.length !== q || counts.some((row) => row.length !== q)) {
    throw new SatError('E_INPUT', `the error matrix must be ${q} x ${q} and the mapped areas ${q} long, one per class (${classes.join(', ')})`);
  }
  if (mappedArea.some((a) => !(a >= 0)) || counts.some((row) => row.some((n) => !(Number.isInteger(n) && n >= 0)))) {
    throw new SatError('E_INPUT', 'mapped areas must be >= 0 and sample counts non-negative integers');
  }
  const confidence = input.confidence ?? 0.95;
  const z = zFor(confidence);
  const total = mappedArea.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new SatError('E_INPUT', 'the mapped areas add up to zero');
  const W = mappedArea.map((a) => a / total);
  const n = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const degenerate = classes.filter((_, i) => W[i] > 0 && n[i] <= 1);
  const estimable = degenerate.length === 0;
  // Share of stratum i's sample in reference class j.
  const share = (i: number, j: number) => (n[i] > 0 ? counts[i][j] / n[i] : 0);
  const proportions = counts.map((row, i) => row.map((_, j) => W[i] * share(i, j)));
  const colTotal = (j: number) => proportions.reduce((a, row) => a + row[j], 0);
  const rowTotal = (i: number) => proportions[i].reduce((a, b) => a + b, 0);
  // Per-stratum variance term of the share of stratum i's sample that is reference class j (x of the n_i points).
  // 'adjusted' shrinks the share towards class j's estimated area proportion by SMOOTHING_COUNTS pseudo-points.
  const method = input.interval ?? 'adjusted';
  const k = method === 'adjusted' ? SMOOTHING_COUNTS : 0;
  const areaRange: [number, number] | undefined = method === 'adjusted' ? [0, total] : undefined;
  const unitRange: [number, number] | undefined = method === 'adjusted' ? [0, 1] : undefined;
  const pooledShare = classes.map((_, j) => colTotal(j));
  const term = (i: number, j: number) => {
    if (n[i] <= 1) return 0;
    const p = (counts[i][j] + k * pooledShare[j]) / (n[i] + k);
    return (p * (1 - p)) / (n[i] - 1);
  };

  const estimates: ClassEstimate[] = classes.map((cls, j) => {
    const pj = colTotal(j);
    const varP = estimable ? W.reduce((a, w, i) => a + w * w * term(i, j), 0) : null;
    const area = interval(total * pj, varP === null ? null : total * total * varP, z, areaRange);
    const ua = n[j] > 0 && rowTotal(j) > 0 ? counts[j][j] / n[j] : null;
    const users = ua === null ? null : interval(ua, n[j] > 1 ? term(j, j) : null, z, unitRange);
    let producers: Interval | null = null;
    if (pj > 0) {
      const pa = proportions[j][j] / pj;
      // Estimated reference size of class j: sum over strata of N_i * n_ij / n_i.
      const Nj = mappedArea.reduce((a, Ni, i) => a + Ni * share(i, j), 0);
      let varPa: number | null = null;
      if (estimable && ua !== null) {
        let others = 0;
        for (let i = 0; i < q; i++) if (i !== j) others += mappedArea[i] ** 2 * term(i, j);
        varPa = (mappedArea[j] ** 2 * (1 - pa) ** 2 * term(j, j) + pa * pa * others) / (Nj * Nj);
      }
      producers = interval(pa, varPa, z, unitRange);
    }
    return {
      class: cls,
      mappedArea: mappedArea[j],
      weight: W[j],
      sampleSize: n[j],
      area: { ...area, cv: area.se === null || area.estimate === 0 ? null : area.se / area.estimate },
      areaProportion: pj,
      classPoints: n[j] + counts.reduce((a, row, i) => a + (i === j ? 0 : row[j]), 0),
      errorsObserved: n[j] - counts[j][j] + counts.reduce((a, row, i) => a + (i === j ? 0 : row[j]), 0),
      usersAccuracy: users,
      producersAccuracy: producers,
    };
  });
  const oa = proportions.reduce((a, row, i) => a + row[i], 0);
  const varOa = estimable ? W.reduce((a, w, i) => a + w * w * term(i, i), 0) : null;
  return { totalArea: total, confidence, z, proportions, classes: estimates, overallAccuracy: interval(oa, varOa, z, unitRange), degenerateStrata: degenerate, interval: method };
}
