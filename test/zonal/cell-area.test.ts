import { describe, expect, it } from 'vitest';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { cellAreaFunction, geodesicRingArea, lonLatCellArea } from '../../pipeline/zonal/cell-area.js';

describe('cell areas on the ellipsoid', () => {
  it('a small longitude/latitude cell: the exact zone formula agrees with geographiclib to 1e-9', () => {
    const exact = lonLatCellArea(45, 45.001, 0.001);
    const geodesic = geodesicRingArea([[14, 45], [14.001, 45], [14.001, 45.001], [14, 45.001], [14, 45]]);
    expect(Math.abs(exact - geodesic) / exact).toBeLessThan(1e-9);
    expect(exact).toBeGreaterThan(8.7e3); // ~111 m x 78.7 m
    expect(exact).toBeLessThan(8.8e3);
  });

  it('the whole ellipsoid: 180 x 360 one-degree cells add up to 510 065 621.7 km² (WGS84 surface)', () => {
    const area = cellAreaFunction([-180, 1, 0, 90, 0, -1], WGS84);
    let total = 0;
    for (let r = 0; r < 180; r++) total += 360 * area(0, r);
    expect(total / 1e6).toBeCloseTo(510065621.7, 0);
  });

  it('UTM 10 m cells: true area differs from 100 m² by the scale distortion (0.9996² at the central meridian)', () => {
    const utm33 = crsFromEpsg(32633);
    // x = 500000 is the central meridian (15° E): scale factor 0.9996, so a 10 m cell covers 100 / 0.9996² m² of ground.
    const area = cellAreaFunction([500000, 10, 0, 5100000, 0, -10], utm33);
    expect(area(0, 0)).toBeCloseTo(100 / 0.9996 ** 2, 3);
    // 300 km east the grid is stretched (k ≈ 1.00071): ground area smaller than nominal.
    const east = cellAreaFunction([800000, 10, 0, 5100000, 0, -10], utm33);
    expect(east(0, 0)).toBeLessThan(100);
    // Between lattice points the area is interpolated: within 1e-5 of the cell's own geodesic area.
    const toLonLat = makeTransform(utm33, WGS84);
    const corners = [[800170, 5099950], [800180, 5099950], [800180, 5099940], [800170, 5099940], [800170, 5099950]].map((p) => toLonLat(p as [number, number]));
    expect(Math.abs(east(17, 5) - geodesicRingArea(corners)) / 100).toBeLessThan(1e-5);
  });
});
