/** The two worked examples of ../shared/docs/estimation.md (Olofsson et al. 2014 §5 and 2013 Example 1), to the published digits. */
import { describe, expect, it } from 'vitest';
import { estimateAreas, normalQuantile } from '../../pipeline/assess/estimate-areas.js';

const round = (v: number | null | undefined, digits: number) => Number(v!.toFixed(digits));

describe('area estimation (Olofsson et al.)', () => {
  it('2014 forest-change example: error-adjusted areas, user\'s, producer\'s and overall accuracy with 95 % intervals', () => {
    const r = estimateAreas({
      interval: 'wald',
      classes: ['deforestation', 'gain', 'stable forest', 'stable non-forest'],
      mappedArea: [18000, 13500, 288000, 580500], // ha
      counts: [
        [66, 0, 5, 4],
        [0, 55, 8, 12],
        [1, 0, 153, 11],
        [2, 1, 9, 313],
      ],
    });
    const published = [
      [21158, 6158, 0.88, 0.074, 0.749, 0.213],
      [11686, 3756, 0.733, 0.101, 0.847, 0.254],
      [285770, 15510, 0.927, 0.04, 0.935, 0.034],
      [581386, 16282, 0.963, 0.021, 0.962, 0.018],
    ];
    r.classes.forEach((c, k) => {
      const [area, half, ua, uaHalf, pa, paHalf] = published[k];
      expect(Math.round(c.area.estimate), String(c.class)).toBe(area);
      expect(Math.round(c.area.halfWidth!)).toBe(half);
      expect(round(c.usersAccuracy!.estimate, 3)).toBe(ua);
      expect(round(c.usersAccuracy!.halfWidth, 3)).toBe(uaHalf);
      expect(round(c.producersAccuracy!.estimate, 3)).toBe(pa);
      expect(round(c.producersAccuracy!.halfWidth, 3)).toBe(paHalf);
    });
    expect(round(r.overallAccuracy.estimate, 3)).toBe(0.947);
    expect(round(r.overallAccuracy.halfWidth, 3)).toBe(0.018);
    expect(r.proportions[0][0]).toBeCloseTo(0.02 * 66 / 75, 12);
    expect(r.classes.reduce((a, c) => a + c.area.estimate, 0)).toBeCloseTo(899999.9999, 3); // areas add up to the total
    expect(r.degenerateStrata).toEqual([]);
  });

  it('2013 Example 1: class 1 area and accuracies in pixels', () => {
    const r = estimateAreas({
      interval: 'wald',
      classes: [1, 2, 3],
      mappedArea: [22353, 1122543, 610228],
      counts: [
        [97, 0, 3],
        [3, 279, 18],
        [2, 1, 97],
      ],
    });
    const c1 = r.classes[0];
    expect(Math.round(c1.area.estimate)).toBe(45112);
    // Published "± 21,072": SE 10,751.4 x 1.96 = 21,072.75 (the paper truncates); within a pixel either way.
    expect(Math.abs(c1.area.halfWidth! - 21072)).toBeLessThan(1);
    expect(Math.round((c1.area.estimate * 0.09))).toBe(4060); // 30 m pixels, ha
    expect(round(c1.usersAccuracy!.estimate, 3)).toBe(0.97);
    expect(round(c1.usersAccuracy!.halfWidth, 3)).toBe(0.034);
    expect(round(c1.producersAccuracy!.estimate, 3)).toBe(0.481);
    expect(round(c1.producersAccuracy!.halfWidth, 3)).toBe(0.225);
    expect(round(r.overallAccuracy.estimate, 3)).toBe(0.944);
    expect(round(r.overallAccuracy.halfWidth, 3)).toBe(0.022);
  });

  it('strata with 0 or 1 sample units are flagged and their standard errors left unestimated, not zeroed', () => {
    const r = estimateAreas({ classes: ['a', 'b', 'c'], mappedArea: [100, 50, 10], counts: [[40, 2, 0], [3, 30, 0], [0, 0, 1]] });
    expect(r.degenerateStrata).toEqual(['c']);
    expect(r.classes[0].area.se).toBeNull();
    expect(r.overallAccuracy.se).toBeNull();
    expect(r.classes[0].area.estimate).toBeGreaterThan(0);
    expect(() => estimateAreas({ classes: ['a'], mappedArea: [1, 2], counts: [[1]] })).toThrow(/must be 1 x 1/);
  });

  it('adjusted intervals: same estimates; a stratum without the class still carries variance, by the formula written out', () => {
    // Water (class 0) is never seen outside its own stratum and its own 25 points are all water: Wald's SE is 0.
    const counts = [[25, 0, 0], [0, 90, 10], [0, 12, 60]];
    const mappedArea = [60, 600, 340];
    const wald = estimateAreas({ classes: ['water', 'forest', 'grass'], mappedArea, counts, interval: 'wald' });
    const adjusted = estimateAreas({ classes: ['water', 'forest', 'grass'], mappedArea, counts });
    expect(adjusted.interval).toBe('adjusted');
    expect(wald.classes[0].area.se).toBe(0);
    adjusted.classes.forEach((c, j) => expect(c.area.estimate).toBeCloseTo(wald.classes[j].area.estimate, 9));
    // p_ij = (n_ij + 1 · p̂_.j) / (n_i + 1), variance Σ_i A_i² p_ij (1 - p_ij) / (n_i - 1).
    const pooled = [0.06, 0.6 * 0.9 + 0.34 * (12 / 72), 0.6 * 0.1 + 0.34 * (60 / 72)];
    const n = [25, 100, 72];
    for (let j = 0; j < 3; j++) {
      const variance = mappedArea.reduce((a, A, i) => {
        const p = (counts[i][j] + pooled[j]) / (n[i] + 1);
        return a + (A * A * p * (1 - p)) / (n[i] - 1);
      }, 0);
      expect(adjusted.classes[j].area.se).toBeCloseTo(Math.sqrt(variance), 9);
    }
    // Bounds stay in range: water's lower bound is not below 0 and its user's accuracy interval not above 1.
    expect(adjusted.classes[0].usersAccuracy!.upper).toBe(1);
    expect(adjusted.classes[0].usersAccuracy!.se).toBeGreaterThan(0);
    expect(adjusted.classes[0].area.lower).toBeGreaterThanOrEqual(0);
    expect(adjusted.classes[0].errorsObserved).toBe(0);
    expect(adjusted.classes[1].errorsObserved).toBe(22);
    expect(adjusted.classes[1].classPoints).toBe(112);
  });

  it('z for 95 % is 1.96', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
  });
});
