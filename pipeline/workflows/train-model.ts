import { codeVersion } from '../core/version.js';
import { SatError } from '../core/errors.js';
import { recipeChannels, type BandRecipe } from '../preprocess/band-recipe.js';
import { normalise } from '../preprocess/preprocess-tile.js';
import { buildArchitecture } from '../model/architectures.js';
import { schemeFromIds } from '../model/class-scheme.js';
import { evaluateScene, type SceneEvaluation } from '../model/evaluate-scene.js';
import { readLabelledScene, type LabelledScene, type LabelSource } from '../model/labelled-scene.js';
import { checkPackageTarget, saveModelPackage, type ModelClass, type ModelMetadata } from '../model/model-package.js';
import { trainRandomForest } from '../model/random-forest-baseline.js';
import { initModelRuntime, type BackendPreference } from '../model/runtime.js';
import { blockSplitMask, type BlockSplit } from '../model/spatial-split.js';
import { trainSegmentation, type EpochRecord } from '../model/train-segmentation.js';
import { confusionMatrix, metricsFromConfusion, type ClassificationMetrics } from '../model/classification-metrics.js';

export interface TrainModelInput {
  task: 'landcover' | 'buildings';
  imagery: string;
  labels: LabelSource;
  aux?: string;
  recipe: BandRecipe;
  /** The class scheme; without one, the label ids found (land cover) or background/building. */
  classes?: ModelClass[];
  out: string;
  epochs: number;
  seed: number;
  split: BlockSplit;
  patchSize?: number;
  batchSize?: number;
  learningRate?: number;
  /** Weight of the Dice term beside cross-entropy (train-segmentation.ts); default 0. */
  diceWeight?: number;
  /** First-level filters of the network. */
  width?: number;
  /** Train the random-forest baseline on the same features and report it beside the network (land cover). */
  baseline?: boolean;
  backend?: BackendPreference;
  onProgress?: (step: string, fraction: number, message?: string) => void;
}

export interface TrainModelResult {
  out: string;
  hash: string;
  metadata: ModelMetadata;
  history: EpochRecord[];
  heldOut: SceneEvaluation;
  baseline: ClassificationMetrics | null;
  runtime: string;
}

const BUILDING_CLASSES: ModelClass[] = [
  { id: 0, name: 'background', colour: '#000000' },
  { id: 1, name: 'building', colour: '#e53e3e' },
];

/** z-score statistics per channel over the valid training pixels (fitted on training data only). */
function fitZscore(scene: LabelledScene, test: Uint8Array): { mean: number[]; std: number[] } {
  const C = scene.channels.length;
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  let n = 0;
  for (let i = 0; i < scene.valid.length; i++) {
    if (!scene.valid[i] || test[i]) continue;
    n++;
    for (let c = 0; c < C; c++) {
      const v = scene.features[i * C + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  if (n === 0) throw new SatError('E_INPUT', 'the training blocks hold no valid imagery pixel');
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, c) => {
    const variance = s / n - mean[c] * mean[c];
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean, std };
}

/**
 * Stage "ML modelling": reads a labelled scene, splits it into spatial blocks, fits the normalisation on the
 * training blocks, trains the network (and the random-forest baseline), evaluates both on the held-out blocks
 * and writes a model package whose metadata records all of it.
 */
export async function trainModel(input: TrainModelInput): Promise<TrainModelResult> {
  const started = performance.now();
  const progress = input.onProgress ?? (() => {});
  checkPackageTarget(input.out); // before minutes of training, not after
  const runtime = await initModelRuntime(input.backend ?? 'auto');
  progress('read', 0);
  const scene = await readLabelledScene({ imagery: input.imagery, recipe: input.recipe, task: input.task, labels: input.labels, aux: input.aux });
  progress('read', 1);

  const found = [...new Set(scene.labels.filter((v) => v >= 0))].sort((a, b) => a - b);
  const classes = input.task === 'buildings' ? BUILDING_CLASSES : (input.classes ?? schemeFromIds(found));
  const index = new Map(classes.map((c, k) => [c.id, k]));
  const unknown = found.filter((id) => !index.has(id));
  if (unknown.length) throw new SatError('E_INPUT', `labels hold class id(s) ${unknown.join(', ')} that the class scheme does not list (it has ${[...index.keys()].join(', ')})`);

  const test = blockSplitMask(scene.width, scene.height, input.split);
  const { mean, std } = fitZscore(scene, test);
  const recipe: BandRecipe = { ...input.recipe, normalisation: { kind: 'zscore', mean, std } };
  normalise(scene.features, scene.valid, scene.channels.length, recipe.normalisation);

  const target = new Int32Array(scene.labels.length).fill(-1);
  for (let i = 0; i < target.length; i++) {
    if (!test[i] && scene.valid[i] && scene.labels[i] >= 0) target[i] = index.get(scene.labels[i])!;
  }

  const arch = buildArchitecture(input.task, { channels: scene.channels.length, classes: classes.length, seed: input.seed, width: input.width });
  const patchSize = input.patchSize ?? (input.task === 'buildings' ? 96 : 32);
  if (patchSize % arch.multipleOf !== 0) throw new SatError('E_INPUT', `patch size ${patchSize} must be a multiple of ${arch.multipleOf} for ${arch.name}`);
  const history = await trainSegmentation(
    arch.model,
    { width: scene.width, height: scene.height, channels: scene.channels.length, features: scene.features, target, classes: classes.length },
    {
      epochs: input.epochs,
      patchSize,
      batchSize: input.batchSize ?? 8,
      learningRate: input.learningRate ?? 3e-3,
      seed: input.seed,
      augment: true,
      classBalance: input.task === 'buildings' ? 1 : 0.5,
      diceWeight: input.diceWeight ?? 0,
      onStep: (done, total, loss) => progress('train', done / total, `loss ${loss.toFixed(4)}`),
    },
  );

  progress('evaluate', 0);
  const heldOut = await evaluateScene(arch.model, scene, { classes, halo: arch.halo, multipleOf: arch.multipleOf, include: test, task: input.task });
  let baseline: ClassificationMetrics | null = null;
  if (input.baseline && input.task === 'landcover') baseline = randomForestBaseline(scene, test, classes.map((c) => c.id), input.seed);
  progress('evaluate', 1);

  const metadata: ModelMetadata = {
    format: 'satstat-model/1',
    task: input.task,
    classes,
    recipe,
    input: { channels: recipeChannels(recipe), halo: arch.halo, multipleOf: arch.multipleOf },
    architecture: arch.name,
    training: {
      dataChecksum: scene.checksum,
      imagery: input.imagery,
      labels: input.labels.file,
      seed: input.seed,
      epochs: input.epochs,
      diceWeight: input.diceWeight ?? 0,
      split: input.split,
      runtime: runtime.runtime,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    },
    metrics: {
      heldOut,
      ...(baseline ? { randomForestBaseline: baseline } : {}),
      loss: history.map((h) => Math.round(h.loss * 1e5) / 1e5),
    },
    createdWith: codeVersion(),
  };
  const hash = await saveModelPackage(input.out, arch.model, metadata);
  arch.model.dispose();
  return { out: input.out, hash, metadata, history, heldOut, baseline, runtime: runtime.runtime };
}

/** The classical baseline: a random forest on the same per-pixel features, same split. */
function randomForestBaseline(scene: LabelledScene, test: Uint8Array, classIds: number[], seed: number): ClassificationMetrics {
  const C = scene.channels.length;
  const pick = (wantTest: number) => {
    const rows: number[] = [];
    for (let i = 0; i < scene.labels.length; i++) if (test[i] === wantTest && scene.valid[i] && scene.labels[i] >= 0) rows.push(i);
    const features = new Float32Array(rows.length * C);
    rows.forEach((i, r) => features.set(scene.features.subarray(i * C, i * C + C), r * C));
    return { rows, features, labels: Int32Array.from(rows, (i) => scene.labels[i]) };
  };
  const train = pick(0);
  const held = pick(1);
  const forest = trainRandomForest({ features: train.features, labels: train.labels, channels: C }, { seed });
  const predicted = forest.predict(held.features, C);
  return metricsFromConfusion(confusionMatrix(held.labels, predicted, classIds), classIds);
}
