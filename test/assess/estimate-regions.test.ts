/** Per-region error-adjusted areas: domain estimation over the published 2014 example, and region x class strata. */
import { describe, expect, it } from 'vitest';
import { estimateAreas } from '../../pipeline/assess/estimate-areas.js';
import { combineRegionEstimates, estimateRegions } from '../../pipeline/assess/estimate-regions.js';
import type { LabelledPoint } from '../../pipeline/assess/sample-files.js';

import { classes, counts, mapped } from '../helpers/olofsson-2014.js';

/** The sample as points: counts[i][j] points of map class i+1 labelled j+1, optionally all in one region. */
function points(matrix: number[][], region?: string, firstId = 1): LabelledPoint[] {
  const out: LabelledPoint[] = [];
  matrix.forEach((row, i) => row.forEach((n, j) => {
    for (let k = 0; k < n; k++) out.push({ id: firstId + out.length, stratum: classes[i], reference: classes[j], col: 0, row: 0, ...(region ? { region } : {}) });
  }));
  return out;
}

describe('estimateRegions', () => {
  it('domain estimation: one region holding the whole map gives the published national estimates', () => {
    const [whole] = estimateRegions({ classes, regions: [{ id: 'all', mappedArea: mapped }], points: points(counts), interval: 'wald' });
    expect(whole.method).toBe('domain');
    expect(whole.sampleSize).toBe(640);
    expect(whole.estimation!.classes.map((c) => Math.round(c.area.estimate))).toEqual([21158, 11686, 285770, 581386]);
    expect(whole.estimation!.classes.map((c) => Math.round(c.area.halfWidth!))).toEqual([6158, 3756, 15510, 16282]);
  });

  it('domain estimation: regions add up to the national estimate; each SE uses the region\'s own mapped areas', () => {
    const north = [6000, 13500, 100000, 80500];
    const south = mapped.map((a, i) => a - north[i]);
    const [n, s] = estimateRegions({ classes, regions: [{ id: 'N', mappedArea: north }, { id: 'S', mappedArea: south }], points: points(counts), interval: 'wald' });
    const national = estimateAreas({ classes, mappedArea: mapped, counts, interval: 'wald' });
    classes.forEach((_, j) => {
      expect(n.estimation!.classes[j].area.estimate + s.estimation!.classes[j].area.estimate).toBeCloseTo(national.classes[j].area.estimate, 6);
      // Var(Â_rj) = Σ_i A_ri² p_ij (1 - p_ij) / (n_i - 1), p_ij = n_ij / n_i: written out here by hand.
      const variance = north.reduce((acc, a, i) => {
        const ni = counts[i].reduce((x, y) => x + y, 0);
        const p = counts[i][j] / ni;
        return acc + (a * a * p * (1 - p)) / (ni - 1);
      }, 0);
      expect(n.estimation!.classes[j].area.se).toBeCloseTo(Math.sqrt(variance), 6);
    });
  });

  it('region x class strata: each region uses its own sample; a stratum with under two points borrows the pooled one, flagged', () => {
    const east = points(counts, 'E');
    // West: its own sample for classes 1, 3 and 4 (all correct), a single point for class 2.
    const west = points([[30, 0, 0, 0], [0, 1, 0, 0], [0, 0, 40, 0], [0, 0, 0, 50]], 'W', 1000);
    const [e, w] = estimateRegions({ classes, regions: [{ id: 'E', mappedArea: mapped }, { id: 'W', mappedArea: [100, 200, 3000, 4000] }], points: [...east, ...west], interval: 'wald' });
    expect(e.method).toBe('region-strata');
    expect(e.sampleSize).toBe(640);
    expect(e.estimation!.classes.map((c) => Math.round(c.area.estimate))).toEqual([21158, 11686, 285770, 581386]);
    expect(w.method).toBe('region-strata-partly-domain');
    expect(w.borrowedStrata).toEqual([2]);
    expect(w.sampleSize).toBe(121);
    // Class 2's 200 ha follow the pooled row (E's 75 points + W's one): 56/76 stay class 2, 8/76 go to 3, 12/76 to 4.
    const c2 = w.estimation!.classes[1].area.estimate;
    expect(c2).toBeCloseTo((200 * 56) / 76, 9);
    expect(w.estimation!.classes[0].area.estimate).toBeCloseTo(100, 9);
    expect(w.estimation!.classes[0].area.se).toBe(0);
    // The default intervals do not collapse where W's 30 class-1 points show no error: one pseudo-point, spread by
    // the pooled shares, gives the class-1 stratum a variance.
    const [, adjusted] = estimateRegions({ classes, regions: [{ id: 'E', mappedArea: mapped }, { id: 'W', mappedArea: [100, 200, 3000, 4000] }], points: [...east, ...west] });
    expect(adjusted.estimation!.classes[0].area.estimate).toBeCloseTo(100, 9);
    expect(adjusted.estimation!.classes[0].area.se).toBeGreaterThan(0);
  });

  it('combined regional estimates: areas add, the matrix is area-weighted, variances of independent regions add', () => {
    // Two regions, each the published example with its own sample (region x class strata), one at twice the scale.
    const regions = estimateRegions({ classes, regions: [{ id: 'E', mappedArea: mapped }, { id: 'W', mappedArea: mapped.map((a) => 2 * a) }], points: [...points(counts, 'E'), ...points(counts, 'W', 1000)], interval: 'wald' });
    const national = estimateAreas({ classes, mappedArea: mapped, counts, interval: 'wald' });
    const combined = combineRegionEstimates(classes, regions);
    combined.classes.forEach((c, j) => {
      expect(c.estimate).toBeCloseTo(3 * national.classes[j].area.estimate, 6);
      expect(c.se).toBeCloseTo(Math.sqrt(5) * national.classes[j].area.se!, 6); // SE² (1 + 4)
    });
    expect(combined.proportions[0][0]).toBeCloseTo(national.proportions[0][0], 12);
  });

  it('a region without mapped area has no estimation', () => {
    const [r] = estimateRegions({ classes, regions: [{ id: 'outside', mappedArea: [0, 0, 0, 0] }], points: points(counts), interval: 'wald' });
    expect(r.estimation).toBeNull();
  });
});
