import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { logger } from '../core/logger.js';
import { loadClassScheme } from '../model/class-scheme.js';
import { readModelMetadata } from '../model/model-package.js';
import { loadBandRecipe } from '../preprocess/band-recipe.js';
import { openRaster } from '../raster/open-raster.js';
import { ingest } from '../stages/ingest.js';
import { predictScene } from '../stages/predict-scene.js';
import { generateScene } from '../synth/generate-scene.js';
import { trainModel } from './train-model.js';

export interface DemoOptions {
  outDir: string;
  size: number;
  seed: number;
  settings: Settings;
  /** Progress of each step: name and fraction done. */
  progress: (step: string, fraction: number, label?: string) => void;
}

export interface DemoSummary {
  scene: string;
  size: [number, number];
  model: { dir: string; hash: string; architecture: string; runtime: string; trainingSeconds: number };
  /** The land-cover model on the held-out blocks, and the random-forest baseline on the same pixels. */
  heldOut: { pixels: number; overallAccuracy: number; kappa: number; baselineOverallAccuracy: number | null };
  prediction: { dir: string; tiles: number; seconds: number; threads: number };
  /** Share of the valid pixels per class: predicted over the whole scene, and the truth. */
  classShares: Record<string, { predicted: number; truth: number }>;
}

const EPOCHS = 4;

/**
 * The in-process demo on an embedded default (no Redis, no input files): generate a synthetic scene with exact
 * ground truth, train the land-cover model on it with spatial blocks held out (and the random-forest baseline),
 * then classify the whole scene tile by tile into GeoTIFFs and compare class shares with the truth.
 * Later stages (aggregate, assess, export) join here as they land.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  await mkdir(o.outDir, { recursive: true });
  const sceneDir = path.join(o.outDir, 'scene');
  const manifest = await generateScene(sceneDir, { width: o.size, height: o.size, seed: o.seed }, (f) => o.progress('synth', f), { force: true });
  const file = (name: string) => path.join(sceneDir, name);

  const modelDir = path.join(o.outDir, 'model');
  const trained = await trainModel({
    task: 'landcover',
    imagery: file('scene.tif'),
    labels: { file: file('truth.tif') },
    aux: file('clouds.tif'),
    recipe: loadBandRecipe('synth-s2'),
    classes: loadClassScheme('synth'),
    out: modelDir,
    epochs: EPOCHS,
    seed: o.seed,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: o.seed },
    width: 16,
    baseline: true,
    backend: o.settings.model.backend,
    onProgress: o.progress,
  });

  const ctx = { settings: o.settings, logger, progress: (f: number, label?: string) => o.progress('predict', f, label) };
  const scene = await ingest(file('scene.tif'), ctx);
  const clouds = await openRaster(file('clouds.tif'));
  const predictionDir = path.join(o.outDir, 'prediction');
  let prediction;
  try {
    prediction = await predictScene({ scene, aux: clouds, modelDir, metadata: readModelMetadata(modelDir), outDir: predictionDir }, ctx);
  } finally {
    await Promise.all([scene.close(), clouds.close()]);
  }

  const truthCounts = await classCounts(file('truth.tif'), file('clouds.tif'));
  const predictedTotal = Object.values(prediction.classPixels).reduce((a, b) => a + b, 0);
  const truthTotal = [...truthCounts.values()].reduce((a, b) => a + b, 0);
  const classShares: DemoSummary['classShares'] = {};
  for (const c of manifest.classes) {
    classShares[c.name] = {
      predicted: round((prediction.classPixels[String(c.id)] ?? 0) / predictedTotal),
      truth: round((truthCounts.get(c.id) ?? 0) / truthTotal),
    };
  }
  const summary: DemoSummary = {
    scene: file('scene.tif'),
    size: [o.size, o.size],
    model: { dir: modelDir, hash: trained.hash, architecture: trained.metadata.architecture, runtime: trained.runtime, trainingSeconds: trained.metadata.training!.seconds! },
    heldOut: {
      pixels: trained.heldOut.pixels,
      overallAccuracy: round(trained.heldOut.metrics.overallAccuracy),
      kappa: round(trained.heldOut.metrics.kappa),
      baselineOverallAccuracy: trained.baseline ? round(trained.baseline.overallAccuracy) : null,
    },
    prediction: { dir: predictionDir, tiles: prediction.grid.tiles, seconds: prediction.seconds, threads: prediction.threads },
    classShares,
  };
  await writeFile(path.join(o.outDir, 'demo-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** Pixels per truth class outside clouds (the pixels the prediction classifies). */
async function classCounts(truthFile: string, cloudFile: string): Promise<Map<number, number>> {
  const truth = await openRaster(truthFile);
  const clouds = await openRaster(cloudFile);
  try {
    const counts = new Map<number, number>();
    const t = (await truth.read()).bands[0];
    const c = (await clouds.read()).bands[0];
    for (let i = 0; i < t.length; i++) if (!c[i]) counts.set(t[i], (counts.get(t[i]) ?? 0) + 1);
    return counts;
  } finally {
    await Promise.all([truth.close(), clouds.close()]);
  }
}
