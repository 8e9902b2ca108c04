import { argmaxClasses } from './class-map.js';
import { confusionMatrix, metricsFromConfusion, type ClassificationMetrics } from './classification-metrics.js';
import { labelComponents, matchObjects } from './connected-components.js';
import type { LabelledScene } from './labelled-scene.js';
import type { ModelClass } from './model-package.js';
import { predictArray } from './predict-array.js';
import type { tf } from './runtime.js';

/** Buildings as objects: connected components of the predicted mask against the labelled footprints. */
export interface BuildingCounts {
  /** Components smaller than this (pixels) are not counted as buildings. */
  minSize: number;
  predicted: number;
  reference: number;
  /** Pairs with IoU ≥ 0.5, one-to-one (SpaceNet's rule). */
  matched: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface SceneEvaluation {
  /** Pixels compared: valid imagery, labelled, inside the evaluated part. */
  pixels: number;
  metrics: ClassificationMetrics;
  buildings?: BuildingCounts;
}

export interface EvaluateSceneOptions {
  classes: ModelClass[];
  halo: number;
  multipleOf: number;
  /** 1 = evaluate this pixel (e.g. the held-out blocks); null = every pixel. */
  include: Uint8Array | null;
  task: 'landcover' | 'buildings';
  minBuildingSize?: number;
}

/** Predicts a normalised labelled scene and compares it with its labels where `include` says so. */
export async function evaluateScene(model: tf.LayersModel, scene: LabelledScene, o: EvaluateSceneOptions): Promise<SceneEvaluation> {
  const classIds = o.classes.map((c) => c.id);
  const probabilities = await predictArray(model, { width: scene.width, height: scene.height, channels: scene.channels.length, features: scene.features }, {
    classes: classIds.length,
    halo: o.halo,
    multipleOf: o.multipleOf,
  });
  const { ids } = argmaxClasses(probabilities, classIds);
  const inPart = (i: number) => scene.valid[i] === 1 && (o.include === null || o.include[i] === 1);
  let pixels = 0;
  for (let i = 0; i < ids.length; i++) if (inPart(i) && scene.labels[i] >= 0) pixels++;
  const metrics = metricsFromConfusion(confusionMatrix(scene.labels, ids, classIds, inPart), classIds);
  if (o.task !== 'buildings') return { pixels, metrics };

  const minSize = o.minBuildingSize ?? 20;
  const mask = new Uint8Array(ids.length);
  const reference = new Int32Array(ids.length);
  const instances = scene.instances ?? labelComponents(Uint8Array.from(scene.labels, (v) => (v === 1 ? 1 : 0)), scene.width, scene.height).labels;
  for (let i = 0; i < ids.length; i++) {
    if (!inPart(i)) continue;
    mask[i] = ids[i] === 1 ? 1 : 0;
    reference[i] = instances[i];
  }
  const predicted = labelComponents(mask, scene.width, scene.height, minSize);
  const match = matchObjects(predicted.labels, reference, 0.5);
  return {
    pixels,
    metrics,
    buildings: {
      minSize,
      predicted: match.predictedCount,
      reference: match.referenceCount,
      matched: match.matched,
      precision: match.precision,
      recall: match.recall,
      f1: match.f1,
    },
  };
}
