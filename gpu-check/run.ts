/**
 * The GPU check: both models (land cover, the buildings U-Net) classify a generated scene on webgpu (one thread, one
 * device) and on wasm (one thread per core), through the same inference pool and tile batches as `sat predict`.
 * Prints the adapter, megapixels per second for each model and backend, and whether the two backends agree;
 * exits 1 when they do not, 2 when there is no WebGPU adapter or an option is wrong. Needs no network and no input files.
 *
 *   npm run gpu-check -- [--size 8192] [--tile 512] [--batch 4] [--threads N]
 *   ./gpu-check.sh [same options]        (from the self-contained bundle: gpu-check/build-bundle.sh)
 *
 * Timed is inference only (tiles in, probabilities out, as the classify stage sees it), not decoding or writing.
 * The scene's inputs are generated once and kept in memory (8192²: about 3 GB for the land-cover model's 9 channels).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildArchitecture, type Architecture } from '../pipeline/model/architectures.js';
import { InferencePool } from '../pipeline/model/inference-pool.js';
import { saveModelPackage, type ModelMetadata } from '../pipeline/model/model-package.js';
import { roundUp } from '../pipeline/model/prediction-plan.js';
import { initModelRuntime } from '../pipeline/model/runtime.js';
import { findWebGpu } from '../pipeline/model/webgpu-adapter.js';
import { seededRandom } from '../pipeline/core/random.js';

/** The two models at the sizes `sat train` builds them (land cover: a Sentinel-2 recipe's 9 channels; buildings: panchromatic). */
const MODELS = [
  { name: 'landcover', task: 'landcover' as const, channels: 9, classes: 5 },
  { name: 'buildings', task: 'buildings' as const, channels: 1, classes: 2 },
];

/** Probabilities from the two backends agree to this (float32 on both, summed in different orders). */
const TOLERANCE = 1e-4;

interface Options {
  size: number;
  tile: number;
  batch: number;
  threads: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { size: { type: 'string', default: '8192' }, tile: { type: 'string', default: '512' }, batch: { type: 'string', default: '4' }, threads: { type: 'string', default: String(os.availableParallelism()) } },
  });
  const number = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
    return n;
  };
  return { size: number('size'), tile: number('tile'), batch: number('batch'), threads: number('threads') };
}

/** Batches of tile windows (core plus halo, zero outside the scene), generated from a fixed table so both backends see the same. */
function generateBatches(o: Options, side: number, halo: number, channels: number): { batches: Float32Array[]; sizes: number[] } {
  const random = seededRandom(7);
  const table = Float32Array.from({ length: 4099 }, () => (random() + random() + random() - 1.5) * 2); // roughly z-scored
  const perRow = Math.ceil(o.size / o.tile);
  const tiles = perRow * perRow;
  const batches: Float32Array[] = [];
  const sizes: number[] = [];
  for (let first = 0; first < tiles; first += o.batch) {
    const n = Math.min(o.batch, tiles - first);
    const input = new Float32Array(n * side * side * channels);
    for (let b = 0; b < n; b++) {
      const x0 = ((first + b) % perRow) * o.tile - halo;
      const y0 = Math.floor((first + b) / perRow) * o.tile - halo;
      for (let y = 0; y < side; y++) {
        const gy = y0 + y;
        if (gy < 0 || gy >= o.size) continue;
        for (let x = 0; x < side; x++) {
          const gx = x0 + x;
          if (gx < 0 || gx >= o.size) continue;
          const at = ((b * side + y) * side + x) * channels;
          for (let c = 0; c < channels; c++) input[at + c] = table[((gx % 1021) * 31 + (gy % 1013) * 17 + c * 7) % 4099];
        }
      }
    }
    batches.push(input);
    sizes.push(n);
  }
  return { batches, sizes };
}

async function writePackage(dir: string, arch: Architecture, model: (typeof MODELS)[number]): Promise<void> {
  const names = Array.from({ length: model.channels }, (_, i) => `b${i + 1}`);
  const metadata: ModelMetadata = {
    format: 'satstat-model/1',
    task: model.task,
    classes: Array.from({ length: model.classes }, (_, i) => ({ id: i, name: `c${i}`, colour: '#000000' })),
    recipe: { name: 'gpu-check', bands: names.map((name, i) => ({ name, source: i + 1, scale: 1, offset: 0 })), indices: [], normalisation: { kind: 'none' } },
    input: { channels: names, halo: arch.halo, multipleOf: arch.multipleOf },
    architecture: arch.name,
    training: null,
    metrics: {},
    createdWith: 'gpu-check',
  };
  await saveModelPackage(dir, arch.model, metadata);
}

/** Runs every batch through a pool (a few batches per thread in flight, as `sat run` keeps them) and times it. */
async function classify(pool: InferencePool, batches: Float32Array[], sizes: number[], side: number, channels: number, onOutput: (i: number, output: Float32Array) => void): Promise<number> {
  await pool.predict(batches[0].slice(), sizes[0], side, channels); // compiles shaders / warms the threads: not timed
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const i = next++;
      onOutput(i, await pool.predict(batches[i].slice(), sizes[i], side, channels));
    }
  };
  await Promise.all(Array.from({ length: 2 * pool.threads }, lane));
  return (performance.now() - started) / 1000;
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`gpu-check: ${(err as Error).message} (options: --size N --tile N --batch N --threads N)`);
    return 2;
  }
  let adapter;
  try {
    adapter = (await findWebGpu()).adapter;
  } catch (err) {
    console.log(`webgpu: ${(err as Error).message}`);
    return 2;
  }
  console.log(`adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.device} | driver: ${adapter.driver}${adapter.software ? " | SOFTWARE (CPU) adapter: these are not a GPU's figures" : ''}`);
  await initModelRuntime('wasm'); // builds and saves the models on this thread
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-gpu-check-'));
  const megapixels = (o.size * o.size) / 1e6;
  const summary: Record<string, unknown> = { adapter, size: o.size, tile: o.tile, batch: o.batch, wasmThreads: o.threads };
  let agreeAll = true;
  try {
    for (const model of MODELS) {
      const arch = buildArchitecture(model.task, { channels: model.channels, classes: model.classes, seed: 1 });
      const dir = path.join(tmp, model.name);
      await writePackage(dir, arch, model);
      arch.model.dispose();
      const halo = roundUp(arch.halo, arch.multipleOf);
      const side = roundUp(o.tile, arch.multipleOf) + 2 * halo;
      const { batches, sizes } = generateBatches(o, side, halo, model.channels);

      const wasm = await InferencePool.start(dir, 'wasm', o.threads);
      const reference: Float32Array[] = [];
      const wasmSeconds = await classify(wasm, batches, sizes, side, model.channels, (i, out) => (reference[i] = out));
      await wasm.close();

      const gpu = await InferencePool.start(dir, 'webgpu', 1);
      let worst = 0;
      let classDiffers = 0;
      const K = model.classes;
      const gpuSeconds = await classify(gpu, batches, sizes, side, model.channels, (i, out) => {
        const ref = reference[i];
        for (let j = 0; j < ref.length; j++) worst = Math.max(worst, Math.abs(out[j] - ref[j]));
        for (let p = 0; p < ref.length; p += K) {
          let best = 0;
          let ours = 0;
          for (let k = 1; k < K; k++) {
            if (ref[p + k] > ref[p + best]) best = k;
            if (out[p + k] > out[p + ours]) ours = k;
          }
          if (ours === best) continue;
          let runnerUp = -Infinity;
          for (let k = 0; k < K; k++) if (k !== best) runnerUp = Math.max(runnerUp, ref[p + k]);
          if (ref[p + best] - runnerUp > 2 * TOLERANCE) classDiffers++; // not a near-tie decided by rounding
        }
        reference[i] = new Float32Array(0);
      });
      await gpu.close();

      const agree = worst <= TOLERANCE && classDiffers === 0;
      agreeAll &&= agree;
      const result = {
        architecture: arch.name,
        webgpuMpxPerSec: round(megapixels / gpuSeconds),
        wasmMpxPerSec: round(megapixels / wasmSeconds),
        speedup: round(wasmSeconds / gpuSeconds),
        maxProbabilityDifference: worst,
        pixelsWithOtherClass: classDiffers,
        agree,
      };
      summary[model.name] = result;
      console.log(
        `${model.name} (${arch.name}, ${o.size}², tiles ${o.tile} + halo ${halo}, batch ${o.batch}): webgpu ${result.webgpuMpxPerSec} Mpx/s, wasm x${o.threads} ${result.wasmMpxPerSec} Mpx/s (${result.speedup}x); ` +
          `max |Δp| ${worst.toExponential(2)}, ${classDiffers} pixels of another class: ${agree ? 'agree' : 'DISAGREE'} (tolerance ${TOLERANCE})`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`JSON ${JSON.stringify(summary)}`);
  return agreeAll ? 0 : 1;
}

/** Three significant digits: lavapipe's figures are hundredths of a GPU's. */
function round(x: number): number {
  return Number(x.toPrecision(3));
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    console.error(`gpu-check: ${err.stack ?? err.message}`);
    process.exitCode = 1;
  },
);
