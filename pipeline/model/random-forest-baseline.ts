import { RandomForestClassifier } from 'ml-random-forest';
import { SatError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';

/** Labelled pixels as a feature table. */
export interface PixelSamples {
  /** n x channels, row-major. */
  features: Float32Array;
  /** Class id per row. */
  labels: Int32Array;
  channels: number;
}

export interface RandomForestOptions {
  /** Trees in the forest; default 50. */
  trees?: number;
  /** Rows the forest is trained on (a seeded subsample keeping every class); default 5000. */
  maxSamples?: number;
  seed: number;
  maxDepth?: number;
}

/**
 * The classical baseline the networks are compared with (the quality framework asks for one): a random forest
 * (mljs's ml-random-forest, CART trees with bagging) on the same per-pixel features. Trained on a seeded
 * subsample with at least min(50, available) pixels of every class, so rare classes are not left out.
 */
export function trainRandomForest(samples: PixelSamples, o: RandomForestOptions): { predict(features: Float32Array, channels: number): Int32Array; trainedOn: number } {
  const n = samples.labels.length;
  if (n === 0) throw new SatError('E_INPUT', 'no training pixels for the random-forest baseline');
  const rows = subsample(samples.labels, o.maxSamples ?? 5000, o.seed);
  const C = samples.channels;
  const table = rows.map((i) => Array.from(samples.features.subarray(i * C, (i + 1) * C)));
  const forest = new RandomForestClassifier({
    nEstimators: o.trees ?? 50,
    maxFeatures: Math.max(1, Math.round(Math.sqrt(C))) / C,
    replacement: true,
    useSampleBagging: true,
    noOOB: true,
    seed: o.seed,
    treeOptions: { maxDepth: o.maxDepth ?? 20 },
  });
  forest.train(table, rows.map((i) => samples.labels[i]));
  return {
    trainedOn: rows.length,
    predict(features, channels) {
      if (channels !== C) throw new SatError('E_INPUT', `the forest was trained on ${C} channels, not ${channels}`);
      const m = features.length / channels;
      const out = new Int32Array(m);
      const chunk = 20_000; // predict in slices: the library wants arrays of arrays
      for (let start = 0; start < m; start += chunk) {
        const end = Math.min(m, start + chunk);
        const batch = Array.from({ length: end - start }, (_, r) => Array.from(features.subarray((start + r) * channels, (start + r + 1) * channels)));
        out.set(forest.predict(batch), start);
      }
      return out;
    },
  };
}

/** Row indices: all when there are few, else a seeded sample with a floor per class, the rest proportional. */
function subsample(labels: Int32Array, max: number, seed: number): number[] {
  if (labels.length <= max) return Array.from(labels, (_, i) => i);
  const random = seededRandom(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  });
  const picked: number[] = [];
  for (const list of [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l)) {
    const take = Math.min(list.length, Math.max(Math.min(50, list.length), Math.round((list.length / labels.length) * max)));
    // Partial Fisher-Yates: the first `take` of a seeded shuffle.
    for (let k = 0; k < take; k++) {
      const j = k + Math.floor(random() * (list.length - k));
      [list[k], list[j]] = [list[j], list[k]];
      picked.push(list[k]);
    }
  }
  return picked.sort((a, b) => a - b);
}
