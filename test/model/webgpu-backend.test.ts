import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { buildArchitecture } from '../../pipeline/model/architectures.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { InferencePool } from '../../pipeline/model/inference-pool.js';
import { readLabelledScene } from '../../pipeline/model/labelled-scene.js';
import { predictArray, type InMemoryScene } from '../../pipeline/model/predict-array.js';
import { initModelRuntime, tf } from '../../pipeline/model/runtime.js';
import { trainSegmentation } from '../../pipeline/model/train-segmentation.js';
import { seededRandom } from '../../pipeline/core/random.js';
import { describeAdapter, hasGpuDevice } from '../../pipeline/model/webgpu-adapter.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { normalise } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { predictScene } from '../../pipeline/workflows/predict-scene.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';
import { writeTestModel } from '../helpers/test-model.js';
import { describeWithWebGpu, webgpu } from './webgpu-fixture.js';

// Lavapipe runs WebGPU on the CPU and compiles every shader with LLVM: everything here is kept small (crops, width-4
// nets) so that the file takes well under a minute there. Backends are switched with tf.setBackend; tensors only
// ever move from a CPU backend to webgpu, never back (webgpu cannot read synchronously in Node).

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-webgpu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Agreement of two probability maps (K per pixel): the largest difference, and the pixels whose class differs
 * although the reference's best class leads its runner-up by more than twice that tolerance (a true disagreement,
 * not a near-tie decided by rounding).
 */
function agreement(ours: Float32Array, reference: Float32Array, K: number, tolerance: number) {
  let worst = 0;
  let disagreements = 0;
  for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  for (let p = 0; p < reference.length / K; p++) {
    const ref = Array.from(reference.subarray(p * K, p * K + K));
    const our = Array.from(ours.subarray(p * K, p * K + K));
    const best = ref.indexOf(Math.max(...ref));
    const margin = ref[best] - Math.max(...ref.filter((_, k) => k !== best));
    if (our.indexOf(Math.max(...our)) !== best && margin > 2 * tolerance) disagreements++;
  }
  return { worst, disagreements };
}

/** Inference tolerance: float32 on both sides, summed in different orders; probabilities agree to 1e-4. */
const PROBABILITY_TOLERANCE = 1e-4;

/** A probabilities.tif as K values per pixel, like predictArray's output. */
async function pixelProbabilities(file: string): Promise<Float32Array> {
  const raster = await openRaster(file);
  try {
    const { bands } = await raster.read();
    const K = bands.length;
    const out = new Float32Array(bands[0].length * K);
    bands.forEach((band, k) => band.forEach((v, i) => (out[i * K + k] = Number(v))));
    return out;
  } finally {
    await raster.close();
  }
}

async function predictOn(backend: 'wasm' | 'webgpu', model: tf.LayersModel, scene: InMemoryScene, o: { classes: number; halo: number; multipleOf: number }) {
  await tf.setBackend(backend);
  return predictArray(model, scene, { ...o, tileSize: Math.max(scene.width, scene.height) });
}

it('describes adapters: software ones by the fallback flag, the architecture or the driver name', () => {
  const adapter = (info: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ info, ...extra }) as unknown as GPUAdapter;
  const nvidia = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA: 570.86.15' };
  expect(describeAdapter(adapter(nvidia))).toEqual({ vendor: 'nvidia', architecture: 'hopper', device: '', driver: 'NVIDIA: 570.86.15', software: false });
  expect(describeAdapter(adapter({ ...nvidia, isFallbackAdapter: true })).software).toBe(true);
  expect(describeAdapter(adapter(nvidia, { isFallbackAdapter: true })).software).toBe(true);
  expect(describeAdapter(adapter({ vendor: 'mesa', architecture: 'software', device: '', description: '' })).software).toBe(true);
  expect(describeAdapter(adapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: '' })).software).toBe(true);
  expect(describeAdapter(adapter({})).software).toBe(false);
});

describeWithWebGpu('the webgpu backend (tfjs-backend-webgpu on Dawn)', () => {
  it('loads by name on any adapter and records it; auto takes it only on a hardware adapter, on one inference thread', async () => {
    const runtime = await initModelRuntime('webgpu');
    expect(runtime).toMatchObject({ runtime: 'webgpu', backend: 'webgpu', adapter: webgpu.adapter });
    expect(runtime.adapter!.vendor).not.toBe('');
    expect(runtime.adapter!.driver).not.toBe('');
    if (process.env.VK_ICD_FILENAMES?.includes('lvp_icd')) expect(runtime.adapter!.software).toBe(true);

    await writeTestModel(path.join(tmp, 'tiny'), 'landcover');
    const pool = await InferencePool.start(path.join(tmp, 'tiny'), 'auto', 2);
    try {
      if (runtime.adapter!.software) {
        expect(pool.runtime.runtime).not.toBe('webgpu');
        // Without a GPU device node (CI, this kind of machine) auto does not even load Dawn.
        expect(pool.runtime.skipped[0]).toEqual({ runtime: 'webgpu', reason: expect.stringMatching(hasGpuDevice() ? /^software adapter/ : /^no GPU device/) });
        expect(pool.threads).toBe(2);
      } else {
        expect(pool.runtime.runtime).toBe('webgpu');
        expect(pool.threads).toBe(1);
      }
    } finally {
      await pool.close();
    }
  });

  /** dLoss/dWeight of a cross-entropy, for every weight of a seeded net, on one backend. */
  async function weightGradients(backend: 'wasm' | 'webgpu', task: 'landcover' | 'buildings', channels: number, classes: number): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const arch = buildArchitecture(task, { channels, classes, seed: 5, width: 4 });
    const x = tf.randomNormal([2, 16, 16, channels], 0, 1, 'float32', 11);
    const target = tf.oneHot(tf.tensor1d(Array.from({ length: 2 * 16 * 16 }, (_, i) => (i * 7) % classes), 'int32'), classes).reshape([2, 16, 16, classes]);
    const weights = arch.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const p = arch.model.apply(x, { training: true }) as tf.Tensor4D;
      return tf.neg(tf.mean(tf.log(tf.add(tf.sum(tf.mul(p, target), -1), 1e-7)))) as tf.Scalar;
    }, weights);
    const out = await Promise.all(weights.map(async (w) => (await grads[w.name].data()) as Float32Array));
    tf.dispose([x, target, ...Object.values(grads)]);
    arch.model.dispose();
    return out;
  }

  it.each([
    { task: 'landcover' as const, channels: 9, classes: 5 },
    { task: 'buildings' as const, channels: 1, classes: 2 },
  ])('training: every weight gradient of the $task net equals wasm (conv, pooling, upsampling, softmax backprop)', async ({ task, channels, classes }) => {
    // The reference is wasm with our training kernels (test/model/wasm-training-kernels.test.ts checks them against
    // cpu and exact adjoints), not cpu itself: the cpu backend's ResizeNearestNeighborGrad is wrong for batches > 1.
    await initModelRuntime('wasm');
    await initModelRuntime('webgpu');
    const reference = await weightGradients('wasm', task, channels, classes);
    const ours = await weightGradients('webgpu', task, channels, classes);
    expect(ours.length).toBe(reference.length);
    for (let v = 0; v < reference.length; v++) {
      const scale = Math.max(...reference[v].map(Math.abs));
      let worst = 0;
      for (let i = 0; i < reference[v].length; i++) worst = Math.max(worst, Math.abs(ours[v][i] - reference[v][i]));
      expect(worst).toBeLessThan(1e-4 * scale);
    }
  });

  it('training: sat train\'s loop on webgpu follows wasm step by step (Adam, masked cross-entropy, losses read back)', async () => {
    await initModelRuntime('wasm');
    await initModelRuntime('webgpu');
    const W = 32;
    const random = seededRandom(3);
    const features = Float32Array.from({ length: W * W * 9 }, () => random() * 2 - 1);
    const target = Int32Array.from({ length: W * W }, (_, i) => (i % 7 === 0 ? -1 : Math.floor(random() * 5)));
    const losses = async (backend: 'wasm' | 'webgpu') => {
      await tf.setBackend(backend);
      const arch = buildArchitecture('landcover', { channels: 9, classes: 5, seed: 5, width: 4 });
      const history: number[] = [];
      await trainSegmentation(arch.model, { width: W, height: W, channels: 9, features, target, classes: 5 }, { epochs: 2, patchSize: 16, batchSize: 2, learningRate: 3e-3, seed: 1, augment: true, classBalance: 0.5, onStep: (_, __, loss) => history.push(loss) });
      arch.model.dispose();
      return history;
    };
    const reference = await losses('wasm');
    const ours = await losses('webgpu');
    expect(reference.length).toBeGreaterThan(3);
    expect(ours.length).toBe(reference.length);
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - reference[i])).toBeLessThan(1e-3 * reference[i]);
  });
});

describeWithSharedData('webgpu against wasm on real tiles', () => {
  describeWithWebGpu('inference agrees', () => {
    it('land cover on the Slovenia patch: sat predict on webgpu gives wasm\'s maps within 1e-4, and prediction.json records the adapter beside the backend', async () => {
      const data = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn', 'geotiff', f);
      const imagery = data('S2L1C_2015-07-11_13band.tif');
      const model = path.join(tmp, 'slovenia');
      await trainModel({
        task: 'landcover',
        imagery,
        labels: { file: data('LULC.tif'), ignoreValue: 0 },
        recipe: { ...loadBandRecipe('sentinel2-l1c-13band'), cloudMask: undefined }, // 2015-07-11 is cloud-free
        classes: loadClassScheme('eolearn-lulc'),
        out: model,
        epochs: 4,
        seed: 1,
        width: 8,
        split: { kind: 'blocks', blockSize: 20, testFraction: 0.3, seed: 1 },
        baseline: false,
        backend: 'wasm',
      });
      const settings = loadSettings();
      const predict = (backend: 'wasm' | 'webgpu') =>
        predictScene({ imagery, model, probabilities: true }, path.join(tmp, `predicted-${backend}`), { ...settings, tiling: { ...settings.tiling, tileSize: 64 }, model: { ...settings.model, backend, inferenceThreads: 1 } }, () => {});
      const reference = await predict('wasm');
      const ours = await predict('webgpu');
      expect(ours.runtime).toMatchObject({ runtime: 'webgpu', backend: 'webgpu', adapter: webgpu.adapter });
      const summary = JSON.parse(readFileSync(path.join(tmp, 'predicted-webgpu', 'prediction.json'), 'utf8'));
      expect(summary.runtime.adapter).toEqual(webgpu.adapter);

      const K = loadClassScheme('eolearn-lulc').length;
      const [a, b] = [await pixelProbabilities(ours.files.probabilities!), await pixelProbabilities(reference.files.probabilities!)];
      expect(b.length).toBe(reference.size.width * reference.size.height * K);
      expect(ours.classPixels).toEqual(reference.classPixels);
      const { worst, disagreements } = agreement(a, b, K, PROBABILITY_TOLERANCE);
      expect(worst).toBeLessThan(PROBABILITY_TOLERANCE);
      expect(disagreements).toBe(0);
    });

    it('buildings U-Net on a SpaceNet Atlanta crop: probabilities on webgpu equal wasm within 1e-4', async () => {
      const data = (f: string) => sharedPath('01_spacenet_atlanta_buildings', f);
      const recipe = loadBandRecipe('spacenet-pan');
      await initModelRuntime('wasm');
      const scene = await readLabelledScene({ imagery: data('sample_geotiff.tif'), recipe, task: 'buildings', labels: { file: data('geotiff_labels.geojson') } });
      // A 96 x 96 crop with buildings in it, z-scored on itself.
      const side = 96;
      const [x0, y0] = [400, 400];
      const crop = new Float32Array(side * side);
      for (let y = 0; y < side; y++) crop.set(scene.features.subarray((y0 + y) * scene.width + x0, (y0 + y) * scene.width + x0 + side), y * side);
      const mean = crop.reduce((a, b) => a + b, 0) / crop.length;
      const std = Math.sqrt(crop.reduce((a, b) => a + (b - mean) ** 2, 0) / crop.length);
      normalise(crop, new Uint8Array(crop.length).fill(1), 1, { kind: 'zscore', mean: [mean], std: [std] });
      const arch = buildArchitecture('buildings', { channels: 1, classes: 2, seed: 1, width: 8 });
      const input = { width: side, height: side, channels: 1, features: crop };
      const geometry = { classes: 2, halo: arch.halo, multipleOf: arch.multipleOf };
      const reference = await predictOn('wasm', arch.model, input, geometry);
      const ours = await predictOn('webgpu', arch.model, input, geometry);
      arch.model.dispose();
      const { worst, disagreements } = agreement(ours, reference, 2, PROBABILITY_TOLERANCE);
      expect(worst).toBeLessThan(PROBABILITY_TOLERANCE);
      expect(disagreements).toBe(0);
    });
  });
});
