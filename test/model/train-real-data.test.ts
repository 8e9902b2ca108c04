import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readLabelledScene } from '../../pipeline/model/labelled-scene.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadModelPackage } from '../../pipeline/model/model-package.js';
import { predictArray } from '../../pipeline/model/predict-array.js';
import { blockSplitMask } from '../../pipeline/model/spatial-split.js';
import { normalise } from '../../pipeline/preprocess/preprocess-tile.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-train-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeWithSharedData('training on the real data', () => {
  it('land cover on the Slovenia patch (Sentinel-2 L1C, 13 bands + indices; eo-learn LULC reference): spatial blocks held out, beside a random forest', async () => {
    const data = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn', 'geotiff', f);
    const recipe = { ...loadBandRecipe('sentinel2-l1c-13band'), cloudMask: undefined }; // 2015-07-11 is cloud-free
    const result = await trainModel({
      task: 'landcover',
      imagery: data('S2L1C_2015-07-11_13band.tif'),
      labels: { file: data('LULC.tif'), ignoreValue: 0 },
      recipe,
      classes: loadClassScheme('eolearn-lulc'),
      out: path.join(tmp, 'slovenia'),
      epochs: 30,
      seed: 1,
      split: { kind: 'blocks', blockSize: 20, testFraction: 0.3, seed: 1 },
      baseline: true,
      backend: 'wasm',
    });
    const { metrics, pixels } = result.heldOut;
    // 30 of 30 blocks of 20 x 20 px (the 101 x 100 patch has 6 x 6 blocks, the last row and column thin).
    expect(pixels).toBeGreaterThan(2500);
    expect(metrics.classes).toEqual([1, 2, 3, 4, 8]);
    // Forest dominates (75 %); the network must do clearly better than always answering forest, as the forest does.
    const forestShare = metrics.perClass.find((c) => c.class === 2)!.support / metrics.total;
    expect(metrics.overallAccuracy).toBeGreaterThan(forestShare + 0.1);
    expect(metrics.overallAccuracy).toBeGreaterThan(0.88);
    expect(result.baseline!.overallAccuracy).toBeGreaterThan(forestShare);
    const grassland = metrics.perClass.find((c) => c.class === 3)!;
    expect(grassland.f1).toBeGreaterThan(0.6);
  }, 180_000);

  it('buildings on the SpaceNet Atlanta tile: a U-Net, 3 of 9 blocks held out, pixel and object scores', async () => {
    const data = (f: string) => sharedPath('01_spacenet_atlanta_buildings', f);
    const split = { kind: 'blocks' as const, blockSize: 300, testFraction: 0.3, seed: 1 };
    // A short run (CI has minutes, not the half hour a useful building model takes on 2 cores; see README):
    // the test checks that the network learns to tell buildings apart, and that the scores are counted right.
    const result = await trainModel({
      task: 'buildings',
      imagery: data('sample_geotiff.tif'),
      labels: { file: data('geotiff_labels.geojson') },
      recipe: loadBandRecipe('spacenet-pan'),
      out: path.join(tmp, 'buildings'),
      epochs: 12,
      seed: 1,
      split,
      width: 8,
      patchSize: 64,
      backend: 'wasm',
    });
    expect(result.metadata.architecture).toBe('unet-2');
    expect(result.heldOut.pixels).toBe(3 * 300 * 300);
    const { metrics, buildings } = result.heldOut;
    expect(metrics.classes).toEqual([0, 1]);

    // Independent count of the labelled footprints in the held-out blocks: those with a pixel there.
    const scene = await readLabelledScene({ imagery: data('sample_geotiff.tif'), recipe: result.metadata.recipe, task: 'buildings', labels: { file: data('geotiff_labels.geojson') } });
    const test = blockSplitMask(900, 900, split);
    const held = new Set<number>();
    let buildingPixels = 0;
    for (let i = 0; i < test.length; i++) {
      if (!test[i]) continue;
      if (scene.instances![i]) held.add(scene.instances![i]);
      if (scene.labels[i] === 1) buildingPixels++;
    }
    expect(buildings!.reference).toBe(held.size);
    expect(held.size).toBeGreaterThan(0);
    expect(metrics.perClass[1].support).toBe(buildingPixels);

    // The network separates buildings from background on pixels it never trained on.
    normalise(scene.features, scene.valid, 1, result.metadata.recipe.normalisation);
    const pkg = await loadModelPackage(path.join(tmp, 'buildings'));
    const p = await predictArray(pkg.model, { width: 900, height: 900, channels: 1, features: scene.features }, { classes: 2, halo: pkg.metadata.input.halo, multipleOf: 4 });
    let onBuildings = 0;
    let onBackground = 0;
    for (let i = 0; i < test.length; i++) {
      if (!test[i]) continue;
      if (scene.labels[i] === 1) onBuildings += p[i * 2 + 1];
      else onBackground += p[i * 2 + 1];
    }
    const meanBuildings = onBuildings / buildingPixels;
    const meanBackground = onBackground / (3 * 300 * 300 - buildingPixels);
    expect(meanBuildings).toBeGreaterThan(2 * meanBackground);
  }, 300_000);
});
