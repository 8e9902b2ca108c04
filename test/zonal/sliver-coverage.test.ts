/** Cells a region covers only by floating-point residue (~1e-12) are not "in" it for min/max/majority and the like. */
import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { exactCoverage } from '../../pipeline/zonal/exact-coverage.js';
import { pixelRings } from '../../pipeline/zonal/pixel-rings.js';
import { SLIVER_COVERAGE, zonalStatistics } from '../../pipeline/zonal/zonal-statistics.js';
import { inlineRaster } from '../helpers/inline-raster.js';

const box = (a: number, b: number, c: number, d: number): Polygon => ({ type: 'Polygon', coordinates: [[[a, b], [c, b], [c, d], [a, d], [a, b]]] });

describe('sliver coverage', () => {
  // Columns 0-1 hold 5 and 7; column 2 holds 100 (a value far outside) and is touched by 1e-12 only.
  const rows = [
    [5, 7, 100],
    [5, 5, 100],
  ];
  const exact = box(0, 0, 2, 2);
  const sliver = box(0, 0, 2 + 1e-12, 2);

  it('the sliver region covers column 2 by about 1e-12 (below SLIVER_COVERAGE), not 0', () => {
    const coverage = exactCoverage(pixelRings(sliver, [0, 1, 0, 2, 0, -1]), { col: 0, row: 0, width: 3, height: 2 });
    expect(coverage[2]).toBeGreaterThan(0);
    expect(coverage[2]).toBeLessThan(SLIVER_COVERAGE);
  });

  it('does not change min, max, majority, minority, variety, range, median or the classes present', async () => {
    const reader = await inlineRaster(rows);
    const options = { method: 'exact' as const, detail: true, categorical: true };
    const [a, b] = await zonalStatistics(reader, [{ id: 'exact', geometry: exact }, { id: 'sliver', geometry: sliver }], options);
    for (const key of ['min', 'max', 'majority', 'minority', 'variety', 'range', 'median', 'quantiles'] as const) expect(b[key], key).toEqual(a[key]);
    expect([b.min, b.max, b.minority]).toEqual([5, 7, 7]);
    expect(Object.keys(b.classes!)).toEqual(['5', '7']);
    // The weighted sums move by no more than the sliver's share.
    expect(b.count).toBeCloseTo(a.count, 9);
    expect(b.mean!).toBeCloseTo(a.mean!, 9);
    // Counting every taken cell fully, the sliver is not taken at all.
    const [c, d] = await zonalStatistics(reader, [{ id: 'exact', geometry: exact }, { id: 'sliver', geometry: sliver }], { ...options, coverageWeight: 'none' });
    expect(d).toEqual({ ...c, id: 'sliver' });
    await reader.close();
  });
});
