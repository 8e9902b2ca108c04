/**
 * The full building-model training run on the real SpaceNet Atlanta tile, as a JSON line (run by bench/run.ts):
 * the U-Net (width 8) trained for 12 epochs on 64 px patches with `sat train`'s defaults otherwise (cross-entropy,
 * Adam 3e-3, batches of 8), 3 of the 9 blocks of 300 x 300 px held out, on the wasm backend. It reports the wall time,
 * the held-out pixel scores of the building class (IoU, F1, precision, recall), the object scores (SpaceNet's
 * IoU >= 0.5 matching) and the separation of the building probability on held-out building vs background pixels,
 * beside the same network before training (same seed and width). The test suite runs a 5-epoch version of this
 * (test/model/train-real-data.test.ts); this is the minutes-long one, kept out of the tests.
 * Usage: node --import tsx bench/measure-training.ts SHARED_DATA_DIR [EPOCHS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildArchitecture, type Architecture } from '../pipeline/model/architectures.js';
import { probabilitySeparation } from '../pipeline/model/classification-metrics.js';
import { readLabelledScene } from '../pipeline/model/labelled-scene.js';
import { loadModelPackage } from '../pipeline/model/model-package.js';
import { predictArray } from '../pipeline/model/predict-array.js';
import { blockSplitMask } from '../pipeline/model/spatial-split.js';
import { loadBandRecipe } from '../pipeline/preprocess/band-recipe.js';
import { normalise } from '../pipeline/preprocess/preprocess-tile.js';
import { trainModel } from '../pipeline/workflows/train-model.js';

const sharedData = process.argv[2];
const epochs = Number(process.argv[3] ?? 12);
if (!sharedData || !Number.isInteger(epochs) || epochs < 1) throw new Error('usage: measure-training.ts SHARED_DATA_DIR [EPOCHS]');
const data = (f: string) => path.join(sharedData, '01_spacenet_atlanta_buildings', f);
const split = { kind: 'blocks' as const, blockSize: 300, testFraction: 0.3, seed: 1 };
const net = { width: 8, seed: 1 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-bench-training-'));
const out = path.join(tmp, 'buildings');

/** Mean building probability on held-out building and background pixels, their difference and ratio, and the AUC. */
function separation(p: Float32Array, labels: Int32Array, test: Uint8Array) {
  const { onPositive: onBuildings, onNegative: onBackground, auc } = probabilitySeparation(p, labels, test);
  return { onBuildings, onBackground, difference: onBuildings - onBackground, ratio: onBuildings / onBackground, auc };
}

try {
  let steps = 0;
  let epochsLogged = 0;
  const started = performance.now();
  const result = await trainModel({
    task: 'buildings',
    imagery: data('sample_geotiff.tif'),
    labels: { file: data('geotiff_labels.geojson') },
    recipe: loadBandRecipe('spacenet-pan'),
    out,
    epochs,
    seed: net.seed,
    split,
    width: net.width,
    patchSize: 64,
    backend: 'wasm',
    onProgress: (step, fraction, message) => {
      if (step !== 'train') return;
      steps++;
      const epoch = Math.floor(fraction * epochs + 1e-9);
      if (epoch > epochsLogged) {
        epochsLogged = epoch;
        process.stderr.write(`  epoch ${epoch}/${epochs} done after ${((performance.now() - started) / 1000).toFixed(0)} s (last step ${message})\n`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;

  const scene = await readLabelledScene({ imagery: data('sample_geotiff.tif'), recipe: result.metadata.recipe, task: 'buildings', labels: { file: data('geotiff_labels.geojson') } });
  normalise(scene.features, scene.valid, 1, result.metadata.recipe.normalisation);
  const test = blockSplitMask(scene.width, scene.height, split);
  const probe = async (model: Architecture['model'], halo: number, multipleOf: number) =>
    separation(await predictArray(model, { width: scene.width, height: scene.height, channels: 1, features: scene.features }, { classes: 2, halo, multipleOf }), scene.labels, test);
  const pkg = await loadModelPackage(out);
  const trained = await probe(pkg.model, pkg.metadata.input.halo, pkg.metadata.input.multipleOf);
  const untrainedNet = buildArchitecture('buildings', { channels: 1, classes: 2, ...net });
  const untrained = await probe(untrainedNet.model, untrainedNet.halo, untrainedNet.multipleOf);

  const building = result.heldOut.metrics.perClass[1];
  console.log(
    JSON.stringify({
      epochs,
      steps,
      width: net.width,
      patchSize: 64,
      runtime: result.runtime,
      seconds,
      trainingSeconds: result.history.reduce((s, h) => s + h.seconds, 0),
      loss: result.history.map((h) => h.loss),
      heldOutPixels: result.heldOut.pixels,
      pixel: { iou: building.iou, f1: building.f1, precision: building.precision, recall: building.recall, support: building.support, predicted: building.predicted },
      objects: result.heldOut.buildings,
      separation: { trained, untrained },
    }),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
