/** Stehman's (2014) general stratified estimators reduce to Olofsson et al.'s with strata = map classes. */
import { describe, expect, it } from 'vitest';
import { estimateAreas } from '../../pipeline/assess/estimate-areas.js';
import { stratifiedAccuracy, type SampleStratum } from '../../pipeline/assess/stratified-estimator.js';

import { classes, counts, mapped } from '../helpers/olofsson-2014.js';
const stratum = (i: number, area: number): SampleStratum => ({ area, units: counts[i].flatMap((n, j) => Array.from({ length: n }, () => ({ map: classes[i], reference: classes[j] }))) });

describe('stratifiedAccuracy', () => {
  it('strata = map classes: the published 2014 example, every estimate and interval as Olofsson et al.', () => {
    const r = stratifiedAccuracy(classes.map((_, i) => stratum(i, mapped[i])), classes);
    const o = estimateAreas({ classes, mappedArea: mapped, counts, interval: 'wald' });
    expect(r.classes.map((c) => Math.round(c.area.estimate))).toEqual([21158, 11686, 285770, 581386]);
    r.classes.forEach((c, j) => {
      expect(c.area.se).toBeCloseTo(o.classes[j].area.se!, 6);
      expect(c.usersAccuracy!.estimate).toBeCloseTo(o.classes[j].usersAccuracy!.estimate, 12);
      expect(c.usersAccuracy!.halfWidth).toBeCloseTo(o.classes[j].usersAccuracy!.halfWidth!, 9);
      expect(c.producersAccuracy!.estimate).toBeCloseTo(o.classes[j].producersAccuracy!.estimate, 12);
      expect(c.producersAccuracy!.halfWidth).toBeCloseTo(o.classes[j].producersAccuracy!.halfWidth!, 9);
    });
    // Published: producer's accuracies 0.749 ± 0.213, 0.847 ± 0.254, 0.935 ± 0.034, 0.962 ± 0.018.
    expect(r.classes.map((c) => Number(c.producersAccuracy!.halfWidth!.toFixed(3)))).toEqual([0.213, 0.254, 0.034, 0.018]);
    expect(Number(r.overallAccuracy.estimate.toFixed(3))).toBe(0.947);
    expect(Number(r.overallAccuracy.halfWidth!.toFixed(3))).toBe(0.018);
  });

  it('region x class strata: two regions with the same sample per class give the national point estimates', () => {
    const split = [0.25, 0.75];
    const r = stratifiedAccuracy(split.flatMap((f) => classes.map((_, i) => stratum(i, f * mapped[i]))), classes);
    const o = estimateAreas({ classes, mappedArea: mapped, counts, interval: 'wald' });
    r.classes.forEach((c, j) => {
      expect(c.area.estimate).toBeCloseTo(o.classes[j].area.estimate, 6);
      expect(c.producersAccuracy!.estimate).toBeCloseTo(o.classes[j].producersAccuracy!.estimate, 12);
      // Each region has the whole sample of its classes: the variance is the national one times (0.25² + 0.75²).
      expect(c.area.se! ** 2).toBeCloseTo(o.classes[j].area.se! ** 2 * (0.25 ** 2 + 0.75 ** 2), 3);
    });
  });

  it('a stratum with one unit makes the variances unknown, not zero', () => {
    const r = stratifiedAccuracy([stratum(0, 100), { area: 50, units: [{ map: 2, reference: 2 }] }], classes);
    expect(r.overallAccuracy.se).toBeNull();
    expect(r.classes[0].area.se).toBeNull();
  });
});
