/** zonalStatistics on a worker thread: the same numbers as the call on this thread, progress, and errors with their code. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crsOf, requireGeoreferenced } from '../../pipeline/raster/georeferenced.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { cellAreaFunction } from '../../pipeline/zonal/cell-area.js';
import { loadRegions, regionsInCrs } from '../../pipeline/zonal/load-regions.js';
import { zonalStatistics } from '../../pipeline/zonal/zonal-statistics.js';
import { zonalStatisticsInThread } from '../../pipeline/zonal/zonal-thread.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-zonal-thread-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const scene = path.join(tmp, 'scene');

beforeAll(async () => {
  await generateScene(scene, { width: 120, height: 90, seed: 3, cloudCover: 0, regions: 4 });
});

describe('zonalStatisticsInThread', () => {
  it('gives what zonalStatistics gives on this thread (categorical, true cell areas), with progress', async () => {
    const file = path.join(scene, 'truth.tif');
    const raster = await openRaster(file);
    const info = requireGeoreferenced(raster.info, file);
    const zones = regionsInCrs(loadRegions(path.join(scene, 'regions.geojson'), 'code'), crsOf(info));
    expect(zones.length).toBe(4);
    const here = await zonalStatistics(raster, zones, { method: 'exact', categorical: true, cellArea: cellAreaFunction(info.geotransform, crsOf(info)) });
    await raster.close();
    const progress: number[] = [];
    const there = await zonalStatisticsInThread({ file, zones, options: { method: 'exact', categorical: true, trueCellArea: true } }, (done) => progress.push(done));
    expect(there).toEqual(here);
    expect(Object.keys(there[0].classes!).length).toBeGreaterThan(1);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('fails with the reader\'s error and code for a file it cannot read', async () => {
    const zones = [{ id: 'a', geometry: { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }];
    await expect(zonalStatisticsInThread({ file: path.join(tmp, 'missing.tif'), zones, options: { method: 'exact' } })).rejects.toMatchObject({ name: 'SatError', code: 'E_NOT_FOUND' });
  });
});
