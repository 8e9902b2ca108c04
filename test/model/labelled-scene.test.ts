import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readLabelledScene } from '../../pipeline/model/labelled-scene.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-labels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const slovenia = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn', 'geotiff', f);
const spacenet = (f: string) => sharedPath('01_spacenet_atlanta_buildings', f);
const s2 = () => {
  const recipe = loadBandRecipe('sentinel2-l1c-13band');
  return { ...recipe, cloudMask: undefined };
};

describeWithSharedData('labelled scenes from real data', () => {
  it('burns the Slovenian reference parcels exactly as eo-learn rasterised them (LULC.tif, all 10,100 pixels)', async () => {
    const imagery = slovenia('S2L1C_2015-07-11_13band.tif');
    const fromRaster = await readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: slovenia('LULC.tif') } });
    const fromPolygons = await readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: slovenia('LULC_parcels_epsg32633.geojson'), property: 'LULC_ID' } });
    expect(fromPolygons.labels).toEqual(fromRaster.labels);
    const counts = new Map<number, number>();
    for (const v of fromRaster.labels) counts.set(v, (counts.get(v) ?? 0) + 1);
    // eo-learn's LULC_COUNTS for the patch (../shared/data/02 README)
    expect(Object.fromEntries(counts)).toEqual({ 0: 155, 1: 11, 2: 7601, 3: 1777, 4: 358, 8: 198 });
    expect(fromRaster.channels).toEqual([...s2().bands.map((b) => b.name), 'ndvi', 'ndwi', 'ndbi']);
    expect(fromRaster.valid.every((v) => v === 1)).toBe(true);
    const ignored = await readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: slovenia('LULC.tif'), ignoreValue: 0 } });
    expect(ignored.labels.filter((v) => v === -1).length).toBe(155);
  });

  it('burns the SpaceNet footprints exactly as solaris\' expected mask (sample_fp_mask_from_geojson.tif)', async () => {
    const scene = await readLabelledScene({
      imagery: spacenet('sample_geotiff.tif'),
      recipe: loadBandRecipe('spacenet-pan'),
      task: 'buildings',
      labels: { file: spacenet('geotiff_labels.geojson') },
    });
    const mask = await openRaster(spacenet('sample_fp_mask_from_geojson.tif'));
    const expected = (await mask.read()).bands[0];
    await mask.close();
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if ((expected[i] === 255 ? 1 : 0) !== scene.labels[i]) differing++;
    expect(differing).toBe(0);
    expect(scene.labels.filter((v) => v === 1).length).toBe(33_818);
    expect(new Set(scene.instances).size).toBe(44); // 43 footprints + background
  });

  it('refuses labels that do not fit the imagery, naming the problem', async () => {
    const imagery = slovenia('S2L1C_2015-07-11_13band.tif');
    // Elevations are no class ids.
    await expect(readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: slovenia('DEM.tif') } })).rejects.toThrow(
      /DEM.tif: class value [\d.]+ is not an integer from 0 to 254/,
    );
    await expect(
      readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: spacenet('sample_fp_mask.tif') } }),
    ).rejects.toThrow(/not on the imagery's grid: they have 900 x 900 pixels, the imagery 100 x 101/);
    // Parcels of Slovenia against the Atlanta tile: every polygon outside.
    await expect(
      readLabelledScene({ imagery: spacenet('sample_geotiff.tif'), recipe: loadBandRecipe('spacenet-pan'), task: 'landcover', labels: { file: slovenia('LULC_parcels_epsg32633.geojson'), property: 'LULC_ID' } }),
    ).rejects.toThrow(/all 88 label polygons lie outside/);
    await expect(
      readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: slovenia('LULC_parcels_epsg32633.geojson'), property: 'NOPE' } }),
    ).rejects.toThrow(/feature 0 has NOPE = undefined, not a class id/);
    await expect(readLabelledScene({ imagery: spacenet('sample_geotiff.tif'), recipe: s2(), task: 'landcover', labels: { file: slovenia('LULC.tif') } })).rejects.toThrow(
      /band recipe 'sentinel2-l1c-13band' does not fit .*sample_geotiff.tif: its data type is uint16, the recipe expects float32 or float64; it has 1 band\(s\), the recipe expects 13/,
    );
    const empty = path.join(tmp, 'empty.geojson');
    writeFileSync(empty, JSON.stringify({ type: 'FeatureCollection', features: [] }));
    await expect(readLabelledScene({ imagery, recipe: s2(), task: 'landcover', labels: { file: empty, property: 'LULC_ID' } })).rejects.toThrow(/all 0 label polygons lie outside/);
  });
});
