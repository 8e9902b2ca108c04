/** One region per pixel by the pixel-centre rule, against gdal_rasterize on the Slovenian statistical regions. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { crsFromEpsg } from '../../pipeline/geo/crs.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { loadRegions } from '../../pipeline/zonal/load-regions.js';
import { regionIndexRaster } from '../../pipeline/zonal/region-index-raster.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-region-index-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeWithSharedData('regionIndexRaster', () => {
  it.runIf(hasGdal)('matches gdal_rasterize (pixel centres) cell for cell on a 250 m D96/TM grid of the 12 statistical regions', async () => {
    // The same D96/TM polygons for both: GDAL reprojects vertices only, we densify edges.
    const d96 = path.join(tmp, 'sr-3794.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:3794', '-lco', 'COORDINATE_PRECISION=3', d96, sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson')]);
    const [x0, y0, step, width, height] = [360000, 200000, 250, 1080, 700];
    const reference = path.join(tmp, 'gdal.tif');
    execFileSync('gdal_rasterize', ['-q', '-a', 'SR_ID', '-init', '0', '-ot', 'UInt16', '-a_srs', 'EPSG:3794', '-te', `${x0}`, `${y0 - height * step}`, `${x0 + width * step}`, `${y0}`, '-tr', `${step}`, `${step}`, d96, reference]);
    const gdal = await openRaster(reference);
    const expected = (await gdal.read()).bands[0];
    await gdal.close();

    const set = loadRegions(d96, 'SR_ID', { crs: crsFromEpsg(3794) });
    const index = regionIndexRaster(set.regions, { width, height, geotransform: [x0, step, 0, y0, 0, -step] });
    let inside = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < index.length; i++) {
      const ours = index[i] === 0 ? 0 : Number(set.regions[index[i] - 1].id);
      if (ours !== expected[i]) mismatches.push(`col ${i % width} row ${Math.floor(i / width)}: ours ${ours}, GDAL ${expected[i]}`);
      if (ours) inside++;
    }
    expect(mismatches).toEqual([]);
    // About 20 280 km² of 0.0625 km² cells.
    expect(inside * 0.0625).toBeCloseTo(20_280, -2);
  });
});
