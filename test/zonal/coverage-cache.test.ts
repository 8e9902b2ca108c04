/** Coverage tables are kept per (grid, rule, region set) and reused: same statistics, no recomputation. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Polygon } from 'geojson';
import { afterAll, expect, it } from 'vitest';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { appendCoverageRows, CoverageCache, coverageKey, coverageRows } from '../../pipeline/zonal/coverage-cache.js';
import { exactCoverage } from '../../pipeline/zonal/exact-coverage.js';
import { loadRegions } from '../../pipeline/zonal/load-regions.js';
import { pixelRings } from '../../pipeline/zonal/pixel-rings.js';
import { zonalStatistics } from '../../pipeline/zonal/zonal-statistics.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-covcache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('a sparse coverage table gives back the exact fractions', () => {
  const ring: Polygon = { type: 'Polygon', coordinates: [[[0.3, 0.2], [9.9, 0.7], [5.1, 9.8], [0.3, 0.2]]] };
  const window = { col: 0, row: 0, width: 10, height: 10 };
  const dense = exactCoverage(pixelRings(ring, [0, 1, 0, 10, 0, -1]), window);
  const table = { window, rows: [] };
  appendCoverageRows(table, dense, 10);
  expect(Array.from(coverageRows(table, 0, 10))).toEqual(Array.from(dense));
  expect(Array.from(coverageRows(table, 3, 7))).toEqual(Array.from(dense.subarray(30, 70)));
});

describeWithSharedData('coverage cache', () => {
  it('the second run over the same grid and regions reads the tables and gives identical statistics', async () => {
    const dir = (f: string) => sharedPath('06_zonal_stats_reference/sao_miguel_exactextractr', f);
    const raster = await openRaster(dir('eu_dem_v11.tif'));
    const set = loadRegions(dir('concelhos.geojson'), 'name');
    const cache = new CoverageCache(path.join(tmp, 'cache'));
    const key = coverageKey({ ...raster.info, geotransform: raster.info.geotransform! }, 'exact', set.checksum);
    const first = await zonalStatistics(raster, set.regions, { method: 'exact', coverageCache: { cache, key }, rowsPerBand: 7 });
    expect([cache.hits, cache.misses]).toEqual([0, 1]);
    const second = await zonalStatistics(raster, set.regions, { method: 'exact', coverageCache: { cache, key }, rowsPerBand: 7 });
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    expect(second).toEqual(first);
    expect(readdirSync(path.join(tmp, 'cache'))).toEqual([`${key}.coverage.json`]);
    // Another rule or another region set is another table.
    expect(coverageKey({ ...raster.info, geotransform: raster.info.geotransform! }, 'centroid', set.checksum)).not.toBe(key);
    expect(coverageKey({ ...raster.info, geotransform: raster.info.geotransform! }, 'exact', 'other')).not.toBe(key);
    await raster.close();
  });
});
