import type { Interval } from './estimate-areas.js';

/** A stratum of the sample: its area (the population it was drawn from) and its units' map and reference classes. */
export interface SampleStratum {
  area: number;
  units: { map: number; reference: number }[];
}

export interface StratifiedAccuracy {
  classes: {
    class: number;
    /** Error-adjusted area (same unit as the strata areas) with SE. */
    area: { estimate: number; se: number | null };
    usersAccuracy: Interval | null;
    producersAccuracy: Interval | null;
  }[];
  overallAccuracy: Interval;
}

interface Moments {
  mean: number;
  /** Sample variance (n - 1 denominator); null with fewer than 2 units. */
  variance: number | null;
}

/** Per-stratum sample means, variances and the covariance of two unit values. */
function moments(values: number[]): Moments {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : 0;
  return { mean, variance: n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : null };
}

function covariance(a: number[], b: number[]): number | null {
  const n = a.length;
  if (n < 2) return null;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  return a.reduce((s, v, i) => s + (v - ma) * (b[i] - mb), 0) / (n - 1);
}

/** estimate ± z·se, the bounds clipped to [0, 1]: these are accuracies (proportions). */
const interval = (estimate: number, variance: number | null, z: number): Interval => {
  if (variance === null) return { estimate, se: null, halfWidth: null, lower: null, upper: null };
  const se = Math.sqrt(Math.max(0, variance));
  return { estimate, se, halfWidth: z * se, lower: Math.max(0, estimate - z * se), upper: Math.min(1, estimate + z * se) };
};

/**
 * Stehman's (2014) estimators for stratified random samples whose strata are not the map classes (e.g. region x map
 * class): every measure is a total or a ratio of totals of unit indicators y_u, estimated as Σ_h A_h ȳ_h, with
 * variance Σ_h A_h² s²_h / n_h (ratios: Σ_h A_h² (s²_yh + R² s²_xh − 2R s_xyh) / n_h / X²). Overall accuracy: y = [map
 * = reference]; area of class j: y = [reference = j]; user's accuracy of i: y = [map = reference = i] over x = [map =
 * i]; producer's accuracy of j: the same y over x = [reference = j]. With strata = map classes these are Olofsson et
 * al.'s estimators. Strata with fewer than 2 units make the variances unknown (null), not zero.
 */
export function stratifiedAccuracy(strata: SampleStratum[], classes: number[], z = 1.96): StratifiedAccuracy {
  const used = strata.filter((s) => s.area > 0);
  const total = used.reduce((a, s) => a + s.area, 0);
  /** Total Σ_h A_h ȳ_h of a unit value, its variance, and per stratum the values (for ratio variances). */
  const totalOf = (value: (u: { map: number; reference: number }) => number) => {
    let estimate = 0;
    let variance: number | null = 0;
    const values = used.map((s) => s.units.map(value));
    used.forEach((s, h) => {
      const m = moments(values[h]);
      estimate += s.area * m.mean;
      variance = variance === null || m.variance === null ? null : variance + (s.area ** 2 * m.variance) / s.units.length;
    });
    return { estimate, variance: variance as number | null, values };
  };
  const ratio = (y: ReturnType<typeof totalOf>, x: ReturnType<typeof totalOf>): Interval | null => {
    if (!(x.estimate > 0)) return null;
    const R = y.estimate / x.estimate;
    let variance: number | null = 0;
    used.forEach((s, h) => {
      const vy = moments(y.values[h]).variance;
      const vx = moments(x.values[h]).variance;
      const cxy = covariance(y.values[h], x.values[h]);
      variance = variance === null || vy === null || vx === null || cxy === null ? null : variance + (s.area ** 2 * (vy + R * R * vx - 2 * R * cxy)) / s.units.length;
    });
    return interval(R, variance === null ? null : (variance as number) / x.estimate ** 2, z);
  };
  const oa = totalOf((u) => (u.map === u.reference ? 1 : 0));
  return {
    classes: classes.map((c) => {
      const area = totalOf((u) => (u.reference === c ? 1 : 0));
      const agree = totalOf((u) => (u.map === c && u.reference === c ? 1 : 0));
      return {
        class: c,
        area: { estimate: area.estimate, se: area.variance === null ? null : Math.sqrt(area.variance) },
        usersAccuracy: ratio(agree, totalOf((u) => (u.map === c ? 1 : 0))),
        producersAccuracy: ratio(agree, area),
      };
    }),
    overallAccuracy: interval(oa.estimate / total, oa.variance === null ? null : oa.variance / total ** 2, z),
  };
}
