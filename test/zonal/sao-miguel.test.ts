/** Real rasters and official municipality boundaries (São Miguel, Azores) against GDAL-computed references (06/sao_miguel_exactextractr). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Polygon } from 'geojson';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readGeoJson } from '../../pipeline/geo/read-geojson.js';
import { openRaster, type RasterReader } from '../../pipeline/raster/open-raster.js';
import type { CoverageMethod } from '../../pipeline/zonal/coverage-cache.js';
import { zonalStatistics } from '../../pipeline/zonal/zonal-statistics.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

const dir = (f: string) => sharedPath('06_zonal_stats_reference/sao_miguel_exactextractr', f);
const reference = hasSharedData ? JSON.parse(readFileSync(dir('reference_stats_gdal.json'), 'utf8')).concelhos : [];
let gpw: RasterReader;
let dem: RasterReader;
let clc: RasterReader;
// GDAL's references were computed from concelhos.gpkg; concelhos.geojson rounds coordinates to 1e-7 degrees,
// enough to move a pixel centre across a border now and then. So read the GeoPackage's full-precision coordinates,
// converted by ogr2ogr (GDAL only converts the file format here).
let concelhos = '';
const zones = () => readGeoJson(concelhos).features.map((f) => ({ id: f.properties.name as string, geometry: f.geometry as Polygon }));

describeWithSharedData('São Miguel municipalities', () => {
  beforeAll(async () => {
    concelhos = path.join(mkdtempSync(path.join(tmpdir(), 'sat-concelhos-')), 'concelhos.geojson');
    if (hasGdal) execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'COORDINATE_PRECISION=17', concelhos, dir('concelhos.gpkg')]);
    else concelhos = dir('concelhos.geojson');
    [gpw, dem, clc] = await Promise.all([openRaster(dir('gpw_v411_2020_count_2020.tif')), openRaster(dir('eu_dem_v11.tif')), openRaster(dir('clc2018_v2020_20u1.tif'))]);
  });
  afterAll(async () => {
    await Promise.all([gpw.close(), dem.close(), clc.close()]);
    if (concelhos.includes('sat-concelhos-')) rmSync(path.dirname(concelhos), { recursive: true, force: true });
  });

  for (const [method, suffix] of [['centroid', 'centre'], ['all-touched', 'all_touched']] as [CoverageMethod, string][]) {
    it(`${method}: population sums, cell counts and mean elevation equal GDAL's`, async () => {
      const pop = await zonalStatistics(gpw, zones(), { method });
      const elev = await zonalStatistics(dem, zones(), { method });
      for (const [i, ref] of reference.entries()) {
        expect(pop[i].id).toBe(ref.name);
        expect(pop[i].count, ref.name).toBe(ref[`gpw_cells_${suffix}`]);
        expect(pop[i].sum!).toBeCloseTo(ref[`gpw_population_count_sum_${suffix}`], 2);
        expect(elev[i].mean!).toBeCloseTo(ref[`dem_mean_m_${suffix}`], 2);
        if (ref[`dem_max_m_${suffix}`] !== undefined) expect(elev[i].max).toBe(ref[`dem_max_m_${suffix}`]);
      }
    });
  }

  it('exact coverage agrees with GDAL on a 32x supersampled grid to its 1e-3 accuracy', async () => {
    const pop = await zonalStatistics(gpw, zones(), { method: 'exact' });
    const elev = await zonalStatistics(dem, zones(), { method: 'exact' });
    for (const [i, ref] of reference.entries()) {
      expect(Math.abs(pop[i].count - ref.gpw_cells_coverage) / ref.gpw_cells_coverage, ref.name).toBeLessThan(1e-3);
      expect(Math.abs(pop[i].sum! - ref.gpw_population_count_sum_coverage) / ref.gpw_population_count_sum_coverage).toBeLessThan(1e-3);
      expect(Math.abs(elev[i].mean! - ref.dem_mean_m_coverage) / ref.dem_mean_m_coverage).toBeLessThan(1e-3);
      expect(elev[i].max).toBe(ref.dem_max_m_coverage);
    }
  });

  it.runIf(hasGdal)('CORINE land cover: pixel counts per class (pixel-centre rule) equal GDAL', async () => {
    const cover = await zonalStatistics(clc, zones(), { method: 'centroid', categorical: true });
    for (const [i, ref] of reference.entries()) {
      const ours = Object.fromEntries(Object.entries(cover[i].classes!).map(([k, v]) => [k, v.count]));
      expect(ours, ref.name).toEqual(ref.clc_centre_pixel_counts);
    }
  });
});
