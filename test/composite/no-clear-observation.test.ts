/**
 * A composite's clear count as the job's cloud mask (recipe cloudMask kind 'clear-count', source aux): pixels with no
 * clear observation in the period get their own status code, count as cloud in the shares, and are flagged.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_RULES } from '../../pipeline/assess/quality-grade.js';
import { PIXEL_STATUS } from '../../pipeline/model/classify-tiles.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { NO_CLEAR_OBSERVATION, preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { aggregateRegions } from '../../pipeline/statistics/aggregate-regions.js';
import { regionStatistics } from '../../pipeline/statistics/region-statistics.js';
import { inlineRaster } from '../helpers/inline-raster.js';

describe('no clear observation in the period', () => {
  it('preprocessing marks the pixels of clear count 0 with their own code, not as cloud', () => {
    const recipe = loadBandRecipe({ name: 'composite-red-nir', bands: [{ name: 'red', source: 1 }, { name: 'nir', source: 2 }], cloudMask: { kind: 'clear-count', source: 'aux' } });
    const raw = { window: { col: 0, row: 0, width: 4, height: 1 }, dtype: 'float32' as const, bands: [Float32Array.from([0.1, 0.1, 0.1, NaN]), Float32Array.from([0.3, 0.3, 0.3, NaN])] };
    const tile = preprocessTile(raw, recipe, { sceneWidth: 4, sceneHeight: 1, nodata: NaN, aux: Uint16Array.from([3, 0, 1, 0]) });
    expect([...tile.valid]).toEqual([1, 0, 1, 0]);
    // A composite is NaN where it has no clear observation (pixel 3): the count says why, so it is "no clear
    // observation", not "no data".
    expect([...tile.cloud]).toEqual([0, NO_CLEAR_OBSERVATION, 0, NO_CLEAR_OBSERVATION]);
    // NaN with observations is no data (a gap in every Item), as in any scene.
    const gap = preprocessTile({ ...raw, window: { col: 0, row: 0, width: 1, height: 1 }, bands: [Float32Array.from([NaN]), Float32Array.from([NaN])] }, recipe, { sceneWidth: 1, sceneHeight: 1, nodata: NaN, aux: Uint16Array.from([2]) });
    expect([...gap.cloud, gap.counts.nodata]).toEqual([0, 1]);
    expect(PIXEL_STATUS.noClearObservation).toBe(3);
  });

  it('aggregation counts it in the cloud share, and each row of the region says how much', async () => {
    // A 4 x 4 status raster: 8 classified, 4 cloud, 4 without a clear observation; one region over all of it.
    const gt = [500_000, 10, 0, 5_000_000, 0, -10] as [number, number, number, number, number, number];
    const status = await inlineRaster([[0, 0, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2], [3, 3, 3, 3]], { geotransform: gt, epsg: 32633, nodata: null });
    const classes = await inlineRaster([[1, 1, 1, 1], [1, 1, 1, 1], [255, 255, 255, 255], [255, 255, 255, 255]], { geotransform: gt, epsg: 32633, nodata: 255 });
    const square = { type: 'Polygon' as const, coordinates: [[[500_000, 5_000_000], [500_040, 5_000_000], [500_040, 4_999_960], [500_000, 4_999_960], [500_000, 5_000_000]]] };
    const regions = { source: 'inline', checksum: 'x', crs: { epsg: 32633, proj4: '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs' }, regions: [{ id: 'R', geometry: square }] };
    const [coverage] = await aggregateRegions({ classes, status, regions, method: 'exact' }, () => {});
    expect(coverage.cloudHa / coverage.inSceneHa).toBeCloseTo(0.5, 6);
    expect(coverage.noClearObservationHa! / coverage.inSceneHa).toBeCloseTo(0.25, 6);
    const [row] = regionStatistics({ classes: [{ id: 1, name: 'forest' }], regions: [coverage], estimates: null, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 });
    expect(row.cloud_share).toBeCloseTo(0.5, 6);
    expect(row.flags).toMatch(/^no clear observation in the period: 25\.0 % of the region in the scene; /);
    await Promise.all([status.close(), classes.close()]);
  });
});
