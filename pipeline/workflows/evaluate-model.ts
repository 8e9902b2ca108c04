import { SatError } from '../core/errors.js';
import { normalise } from '../preprocess/preprocess-tile.js';
import { evaluateScene, type SceneEvaluation } from '../model/evaluate-scene.js';
import { readLabelledScene, type LabelSource } from '../model/labelled-scene.js';
import { loadModelPackage } from '../model/model-package.js';
import { initModelRuntime, type BackendPreference } from '../model/runtime.js';
import { blockSplitMask } from '../model/spatial-split.js';

export interface EvaluateModelInput {
  modelDir: string;
  imagery: string;
  labels: LabelSource;
  aux?: string;
  /** 'heldout': the training run's test blocks (training scene only); 'all': every labelled pixel; 'auto': heldout on the training scene, else all. */
  split: 'heldout' | 'all' | 'auto';
  backend?: BackendPreference;
  minBuildingSize?: number;
}

export interface EvaluateModelResult {
  model: { dir: string; hash: string; task: string; architecture: string };
  imagery: string;
  labels: string;
  split: 'heldout' | 'all';
  runtime: string;
  evaluation: SceneEvaluation;
}

/** Stage "evaluation": the model's accuracy against reference labels, with the metrics the quality framework asks for. */
export async function evaluateModel(input: EvaluateModelInput): Promise<EvaluateModelResult> {
  const runtime = await initModelRuntime(input.backend ?? 'auto');
  const pkg = await loadModelPackage(input.modelDir);
  const { metadata } = pkg;
  try {
    const scene = await readLabelledScene({ imagery: input.imagery, recipe: metadata.recipe, task: metadata.task, labels: input.labels, aux: input.aux });
    const known = new Set(metadata.classes.map((c) => c.id));
    const unknown = [...new Set(scene.labels.filter((v) => v >= 0 && !known.has(v)))];
    if (unknown.length) throw new SatError('E_INPUT', `labels hold class id(s) ${unknown.join(', ')} that the model does not predict (it knows ${[...known].join(', ')})`);
    normalise(scene.features, scene.valid, scene.channels.length, metadata.recipe.normalisation);
    const isTrainingScene = metadata.training?.dataChecksum === scene.checksum;
    const split = input.split === 'auto' ? (isTrainingScene ? 'heldout' : 'all') : input.split;
    if (split === 'heldout' && !isTrainingScene) {
      throw new SatError('E_INPUT', 'held-out blocks exist only on the scene and labels the model was trained on (their checksums differ); use --split all');
    }
    const include = split === 'heldout' ? blockSplitMask(scene.width, scene.height, metadata.training!.split) : null;
    const evaluation = await evaluateScene(pkg.model, scene, {
      classes: metadata.classes,
      halo: metadata.input.halo,
      multipleOf: metadata.input.multipleOf,
      include,
      task: metadata.task,
      minBuildingSize: input.minBuildingSize,
    });
    return {
      model: { dir: input.modelDir, hash: pkg.hash, task: metadata.task, architecture: metadata.architecture },
      imagery: input.imagery,
      labels: input.labels.file,
      split,
      runtime: runtime.runtime,
      evaluation,
    };
  } finally {
    pkg.model.dispose();
  }
}
