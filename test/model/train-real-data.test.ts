import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
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
});
