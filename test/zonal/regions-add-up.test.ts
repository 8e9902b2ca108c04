/**
 * Regions that tile a territory add up: no cell counted twice or lost (US counties of Vermont), and region areas
 * agree with official ones (the 12 Slovenian statistical regions).
 */
import { readFileSync } from 'node:fs';
import { featureCollection, union } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { expect, it } from 'vitest';
import { crsFromEpsg } from '../../pipeline/geo/crs.js';
import { reprojectGeometry } from '../../pipeline/geo/reproject-geometry.js';
import { exactCoverage } from '../../pipeline/zonal/exact-coverage.js';
import { loadRegions, regionsInCrs } from '../../pipeline/zonal/load-regions.js';
import { pixelRings } from '../../pipeline/zonal/pixel-rings.js';
import { geodesicArea, planarArea } from '../../pipeline/zonal/region-area.js';
import { zonalStatistics } from '../../pipeline/zonal/zonal-statistics.js';
import { inlineRaster } from '../helpers/inline-raster.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

describeWithSharedData('regions that tile a territory', () => {
  it('the 14 counties of Vermont on a 0.01-degree grid: coverage sums to 1 in every cell inside the state, sums add up to the union', async () => {
    const all = JSON.parse(readFileSync(sharedPath('07_admin_boundaries/us_counties_census2010/geojson-counties-fips.json'), 'utf8'));
    const counties = all.features.filter((f: { properties: { STATE: string } }) => f.properties.STATE === '50');
    expect(counties).toHaveLength(14);
    const [x0, y0, step] = [-73.5, 45.05, 0.01];
    const width = 210; // -73.5 to -71.4
    const height = 240; // 45.05 to 42.65
    const rows = Array.from({ length: height }, (_, r) => Array.from({ length: width }, (_, c) => ((c * 7 + r * 13) % 101) + 0.5));
    const raster = await inlineRaster(rows, { geotransform: [x0, step, 0, y0, 0, -step], epsg: 4326 });
    const zones = counties.map((f: { properties: { COUNTY: string }; geometry: Polygon | MultiPolygon }) => ({ id: f.properties.COUNTY, geometry: f.geometry }));
    const stats = await zonalStatistics(raster, zones, { method: 'exact' });

    // Per cell, the coverages of all counties together.
    const window = { col: 0, row: 0, width, height };
    const gt = raster.info.geotransform!;
    const total = new Float64Array(width * height);
    for (const z of zones) exactCoverage(pixelRings(z.geometry, gt), window).forEach((c, i) => (total[i] += c));
    const merged = union(featureCollection(zones.map((z: { geometry: Polygon | MultiPolygon }) => ({ type: 'Feature', properties: {}, geometry: z.geometry }) as never)))!;
    const state = exactCoverage(pixelRings(merged.geometry as Polygon | MultiPolygon, gt), window);
    let inside = 0;
    for (let i = 0; i < total.length; i++) {
      expect(total[i]).toBeLessThanOrEqual(1 + 1e-9);
      if (state[i] === 1) {
        inside++;
        expect(Math.abs(total[i] - 1)).toBeLessThan(1e-9);
      }
    }
    expect(inside).toBeGreaterThan(20000);
    const [whole] = await zonalStatistics(raster, [{ id: 'VT', geometry: merged.geometry as Polygon | MultiPolygon }], { method: 'exact' });
    const sumOf = (k: 'count' | 'sum') => stats.reduce((a, s) => a + (s[k] ?? 0), 0);
    expect(Math.abs(sumOf('count') - whole.count) / whole.count).toBeLessThan(1e-9);
    expect(Math.abs(sumOf('sum') - whole.sum!) / whole.sum!).toBeLessThan(1e-9);
    await raster.close();
  });

  it('the 12 Slovenian statistical regions on a 500 m D96/TM grid: no cell covered more than once, coverage equals their areas', () => {
    const set = loadRegions(sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson'), 'SR_ID');
    const d96 = crsFromEpsg(3794);
    const zones = regionsInCrs(set, d96);
    // Slovenia spans about E 373-624 km, N 31-195 km in D96/TM.
    const gt: [number, number, number, number, number, number] = [360000, 500, 0, 200000, 0, -500];
    const window = { col: 0, row: 0, width: 540, height: 350 };
    const total = new Float64Array(window.width * window.height);
    let areas = 0;
    for (const z of zones) {
      exactCoverage(pixelRings(z.geometry, gt), window).forEach((c, i) => (total[i] += c));
      areas += planarArea(z.geometry);
    }
    let covered = 0;
    for (const t of total) {
      expect(t).toBeLessThanOrEqual(1 + 1e-9);
      covered += t;
    }
    expect(Math.abs(covered * 500 * 500 - areas) / areas).toBeLessThan(1e-9);
    const official = JSON.parse(readFileSync(sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson'), 'utf8')).features.reduce((a: number, f: { properties: { POV_KM2: number } }) => a + f.properties.POV_KM2, 0);
    expect(Math.abs(areas / 1e6 - official)).toBeLessThan(0.05); // the 12 official areas add up to 20 279.86 km²
  });

  it('the 12 Slovenian statistical regions: planar areas in D96/TM equal the official areas within 0.01 km²', () => {
    const set = loadRegions(sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson'), 'SR_ID');
    const official = JSON.parse(readFileSync(sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson'), 'utf8')).features.map((f: { properties: { POV_KM2: number } }) => f.properties.POV_KM2);
    const d96 = crsFromEpsg(3794);
    set.regions.forEach((r, i) => {
      const km2 = planarArea(reprojectGeometry(r.geometry, set.crs, d96, { maxSegmentLength: 0 }) as Polygon | MultiPolygon) / 1e6;
      expect(Math.abs(km2 - official[i]), `region ${r.id}`).toBeLessThan(0.01);
    });
    // The true (ellipsoidal) area differs from the D96/TM plane by its scale distortion, up to ~0.02 % here.
    const geodesic = geodesicArea(set.regions[7].geometry) / 1e6;
    expect(Math.abs(geodesic - official[7]) / official[7]).toBeLessThan(5e-4);
  });
});
