/**
 * One backend's model speeds, as a JSON line (run by bench/run.ts, one process per backend):
 *  - inference megapixels/s of the land-cover net (9 channels) and the building U-Net (1 channel) on 1 thread
 *    (in-process) and on the inference pool's threads (one backend per worker_thread);
 *  - a training step's and a training epoch's time for both, on the same patches as `sat train` uses.
 * Usage: node --import tsx bench/measure-model.ts BACKEND THREADS
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildArchitecture, type Architecture } from '../pipeline/model/architectures.js';
import { InferencePool } from '../pipeline/model/inference-pool.js';
import { saveModelPackage, type ModelMetadata } from '../pipeline/model/model-package.js';
import { predictBatch } from '../pipeline/model/predict-batch.js';
import { initModelRuntime, type BackendPreference } from '../pipeline/model/runtime.js';
import { trainSegmentation } from '../pipeline/model/train-segmentation.js';
import { seededRandom } from '../pipeline/core/random.js';

const backend = process.argv[2] as BackendPreference;
const threads = Number(process.argv[3] ?? os.availableParallelism());
const light = backend === 'cpu'; // the pure-JS backend is ~100x slower: measure less of it
const runtime = await initModelRuntime(backend);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-bench-model-'));

const cases = [
  { name: 'landcover', task: 'landcover' as const, channels: 9, classes: 5, width: 32, patch: 32, trainPixels: 0.7 * 1024 * 1024 },
  { name: 'buildings', task: 'buildings' as const, channels: 1, classes: 2, width: 16, patch: 96, trainPixels: 600 * 900 },
];

function randomArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

async function packageFor(arch: Architecture, c: (typeof cases)[number]): Promise<string> {
  const dir = path.join(tmp, c.name);
  const names = Array.from({ length: c.channels }, (_, i) => `b${i + 1}`);
  const metadata: ModelMetadata = {
    format: 'satstat-model/1',
    task: c.task,
    classes: Array.from({ length: c.classes }, (_, i) => ({ id: i, name: `c${i}`, colour: '#000000' })),
    recipe: { name: 'bench', bands: names.map((name, i) => ({ name, source: i + 1, scale: 1, offset: 0 })), indices: [], normalisation: { kind: 'none' } },
    input: { channels: names, halo: arch.halo, multipleOf: arch.multipleOf },
    architecture: arch.name,
    training: null,
    metrics: {},
    createdWith: 'bench',
  };
  await saveModelPackage(dir, arch.model, metadata);
  return dir;
}

const out: Record<string, unknown> = { backend, runtime: runtime.runtime, simd: runtime.simd, threads };
for (const c of cases) {
  const arch = buildArchitecture(c.task, { channels: c.channels, classes: c.classes, seed: 1, width: c.width });
  const side = 256 + 2 * arch.halo;
  const batch = light ? 1 : 4;
  const input = randomArray(batch * side * side * c.channels, 2);
  const corePixels = batch * 256 * 256; // output that counts: the tile cores
  await predictBatch(arch.model, input, batch, side, c.channels); // warm-up
  const rounds = light ? 1 : 3;
  let t = performance.now();
  for (let i = 0; i < rounds; i++) await predictBatch(arch.model, input, batch, side, c.channels);
  const single = (rounds * corePixels) / 1e6 / ((performance.now() - t) / 1000);

  let pooled: number | null = null;
  if (!light && runtime.backend !== 'tensorflow') {
    const pool = await InferencePool.start(await packageFor(arch, c), backend, threads);
    await pool.predict(input.slice(), batch, side, c.channels);
    const jobs = 2 * threads * rounds;
    t = performance.now();
    await Promise.all(Array.from({ length: jobs }, () => pool.predict(input.slice(), batch, side, c.channels)));
    pooled = (jobs * corePixels) / 1e6 / ((performance.now() - t) / 1000);
    await pool.close();
  }

  // Training: a few steps on random data (the cost does not depend on the values), then per epoch as `sat train` counts it.
  const W = light ? 128 : 256;
  const features = randomArray(W * W * c.channels, 3);
  const target = Int32Array.from({ length: W * W }, (_, i) => i % c.classes);
  const steps = light ? 1 : 4;
  const batchSize = 8;
  if (!light) await trainSegmentation(arch.model, { width: W, height: W, channels: c.channels, features, target, classes: c.classes }, { epochs: 1, patchSize: c.patch, batchSize, learningRate: 1e-3, seed: 1, augment: true, classBalance: 0.5 }); // warm-up
  const stepTimes: number[] = [];
  let last = performance.now();
  await trainSegmentation(
    arch.model,
    { width: W, height: W, channels: c.channels, features, target, classes: c.classes },
    { epochs: light ? 1 : steps, patchSize: c.patch, batchSize, learningRate: 1e-3, seed: 1, augment: true, classBalance: 0.5, onStep: () => { const now = performance.now(); stepTimes.push(now - last); last = now; } },
  );
  const stepMs = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length;
  const stepsPerEpoch = Math.ceil(Math.max(batchSize, Math.ceil((2 * c.trainPixels) / (c.patch * c.patch))) / batchSize);
  out[c.name] = { inferenceMpxPerSec: single, pooledMpxPerSec: pooled, trainStepMs: stepMs, epochSeconds: (stepMs * stepsPerEpoch) / 1000, stepsPerEpoch, halo: arch.halo };
  arch.model.dispose();
}
rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify(out));
