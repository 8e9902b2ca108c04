import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { analysisGrid } from '../../pipeline/warp/analysis-grid.js';
import { utmCrsFor } from '../../pipeline/warp/utm-zone.js';

const box = (w: number, s: number, e: number, n: number): Polygon => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });

describe('the analysis grid', () => {
  it('defaults to the UTM zone of the area, snapped to whole cells from the origin, covering the area', () => {
    const area = box(14.53, 45.85, 14.56, 45.87); // near Ljubljana: zone 33N
    const grid = analysisGrid({ area, resolution: 10 });
    expect(grid.crs.epsg).toBe(32633);
    const [x0, res, , y0, , negRes] = grid.geotransform;
    expect([res, negRes]).toEqual([10, -10]);
    expect(x0 % 10).toBe(0);
    expect(y0 % 10).toBe(0);
    const toUtm = makeTransform(WGS84, grid.crs);
    for (const [lon, lat] of area.coordinates[0]) {
      const [x, y] = toUtm([lon, lat]);
      expect(x).toBeGreaterThanOrEqual(x0);
      expect(x).toBeLessThanOrEqual(x0 + grid.width * 10);
      expect(y).toBeLessThanOrEqual(y0);
      expect(y).toBeGreaterThanOrEqual(y0 - grid.height * 10);
    }
    // A recurring run over a slightly different area lands on the same lattice: its cells are the same cells.
    const other = analysisGrid({ area: box(14.531, 45.851, 14.561, 45.871), resolution: 10 });
    expect((other.geotransform[0] - x0) % 10).toBe(0);
    expect((other.geotransform[3] - y0) % 10).toBe(0);
  });

  it('any EPSG CRS (3035, the grid of European statistics) and origin; southern zones; a size limit', () => {
    const grid = analysisGrid({ area: box(14.4, 45.9, 14.7, 46.1), resolution: 100, crs: crsFromEpsg(3035) });
    expect(grid.crs.epsg).toBe(3035);
    expect(grid.geotransform[0] % 100).toBe(0);
    expect(grid.geotransform[3] % 100).toBe(0);
    const shifted = analysisGrid({ area: box(14.4, 45.9, 14.7, 46.1), resolution: 100, crs: crsFromEpsg(3035), origin: [50, 50] });
    expect(((shifted.geotransform[0] - 50) % 100 + 100) % 100).toBe(0);
    expect(utmCrsFor(27.5, -12.3).epsg).toBe(32735);
    expect(utmCrsFor(-179.9, 10).epsg).toBe(32601);
    expect(utmCrsFor(179.9, 10).epsg).toBe(32660);
    expect(() => analysisGrid({ area: box(10, 40, 20, 50), resolution: 10, maxCells: 1e8 })).toThrow(/the analysis grid would be \d+ x \d+ cells of 10/);
    expect(() => analysisGrid({ area: box(10, 40, 20, 50), resolution: 0 })).toThrow(/positive number/);
  });
});
