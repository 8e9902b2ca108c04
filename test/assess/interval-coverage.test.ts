import { describe, expect, it } from 'vitest';
import { COUNT_DESIGNS, COVERAGE_DESIGNS, countCoverage, designPopulation, drawDesignSample, intervalCoverage } from '../../bench/interval-coverage.js';

/**
 * The coverage harness's small version (the bench runs R = 1000): 600 seeded samples per design (at 200 the
 * coverage estimates carry ±0.016 of sampling noise, too much to tell 0.93 from 0.95). Deterministic: the
 * same seeds give the same coverage on every run, so the thresholds below are facts about these samples, not chances.
 */
describe('interval coverage (bench/interval-coverage.ts)', () => {
  it('the population holds the exact truth and the sample follows the allocation', () => {
    const design = COVERAGE_DESIGNS.find((d) => d.name === 'five-class')!;
    const population = designPopulation(design);
    expect(population[0].flat().reduce((a, b) => a + b, 0)).toBe(1_000_000);
    // 4 % of the 60,000 water pixels are mapped as forest.
    expect(population[0][1][0]).toBe(2400);
    const points = drawDesignSample(design, population, 7);
    expect(points).toHaveLength(300);
    expect(Math.min(...[0, 1, 2, 3, 4].map((c) => points.filter((p) => p.stratum === c).length))).toBeGreaterThanOrEqual(25);
    expect(drawDesignSample(design, population, 7)).toEqual(points);
  });

  for (const design of COVERAGE_DESIGNS) {
    it(`${design.name}: the adjusted 95 % intervals cover every class at least 93 % of the time; Wald's collapse`, () => {
      const rows = intervalCoverage(design, { replicates: 600, methods: ['adjusted', 'wald'] });
      const adjusted = rows.filter((r) => r.method === 'adjusted');
      for (const r of adjusted) expect(r.coverage, `${r.domain} ${r.class}`).toBeGreaterThanOrEqual(0.93);
      for (const r of adjusted) expect(r.collapsed).toBe(0);
      // Unbiased: the mean estimate is within 2.5 % of the truth for every class (and region).
      for (const r of adjusted) expect(Math.abs(r.relativeBias), `${r.domain} ${r.class}`).toBeLessThan(0.025);
      const wald = rows.filter((r) => r.method === 'wald');
      expect(Math.min(...wald.map((r) => r.coverage))).toBeLessThan(0.9);
    });
  }

  it('building counts: the corrected count\'s 95 % interval covers the true count in regions of 50 to 20,000 buildings', () => {
    for (const row of countCoverage(COUNT_DESIGNS[0], { replicates: 400 })) {
      expect(row.coverage, `${row.buildings} buildings`).toBeGreaterThanOrEqual(0.93);
      expect(Math.abs(row.relativeBias)).toBeLessThan(0.02);
    }
  });
});
