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
  /** Trees in the forest; default 100. */
  trees?: number;
  /** Rows the forest is trained on (a seeded subsample keeping every class); default 20000. */
  maxSamples?: number;
  seed: number;
  /** Deepest split level; default 16. */
  maxDepth?: number;
  /** Smallest node that is still split; default 4. */
  minSplit?: number;
}

/** Quantile bins per feature: splits are searched over bin edges, as histogram-based forests (LightGBM, sklearn's HistGradientBoosting) do. */
const BINS = 64;

interface Node {
  feature: number; // -1: leaf
  threshold: number; // go left when value <= threshold
  left: number;
  right: number;
  label: number; // leaf: class index
}

/**
 * The classical baseline the networks are compared with (the quality framework asks for one): a random forest
 * (Breiman 2001: bootstrap samples, √C random features per split, Gini impurity, majority vote) on the same
 * per-pixel features. Splits are searched on 64 quantile bins per feature, which makes a tree cost O(rows x depth);
 * the general-purpose ml-random-forest took 72 s for 50 trees on 5,000 pixels, this takes well under a second.
 * Trained on a seeded subsample with at least min(50, available) pixels of every class. Deterministic for a seed.
 */
export function trainRandomForest(samples: PixelSamples, o: RandomForestOptions): { predict(features: Float32Array, channels: number): Int32Array; trainedOn: number } {
  const n = samples.labels.length;
  if (n === 0) throw new SatError('E_INPUT', 'no training pixels for the random-forest baseline');
  const C = samples.channels;
  const rows = subsample(samples.labels, o.maxSamples ?? 20_000, o.seed);
  const classIds = [...new Set(rows.map((i) => samples.labels[i]))].sort((a, b) => a - b);
  const K = classIds.length;
  const classOf = new Map(classIds.map((c, k) => [c, k]));
  const m = rows.length;
  const y = Int32Array.from(rows, (i) => classOf.get(samples.labels[i])!);

  // Bin edges from each feature's quantiles; x is stored as bin indices, feature-major.
  const edges: Float64Array[] = [];
  const bins = new Uint8Array(C * m);
  for (let c = 0; c < C; c++) {
    const values = Float64Array.from(rows, (i) => samples.features[i * C + c]).sort();
    const e: number[] = [];
    for (let b = 1; b < BINS; b++) {
      const v = values[Math.floor((b * m) / BINS)];
      if (e.length === 0 || v > e[e.length - 1]) e.push(v);
    }
    edges.push(Float64Array.from(e));
    for (let r = 0; r < m; r++) bins[c * m + r] = binOf(edges[c], samples.features[rows[r] * C + c]);
  }

  const random = seededRandom(o.seed);
  const maxDepth = o.maxDepth ?? 16;
  const minSplit = o.minSplit ?? 4;
  const tries = Math.max(1, Math.round(Math.sqrt(C)));
  const forest: Node[][] = [];
  const hist = new Float64Array(BINS * K);
  for (let t = 0; t < (o.trees ?? 100); t++) {
    const nodes: Node[] = [];
    const sample = Int32Array.from({ length: m }, () => Math.floor(random() * m)); // bootstrap
    const grow = (idx: Int32Array, depth: number): number => {
      const counts = new Float64Array(K);
      for (const r of idx) counts[y[r]]++;
      let majority = 0;
      for (let k = 1; k < K; k++) if (counts[k] > counts[majority]) majority = k;
      const self = nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, label: majority }) - 1;
      if (depth >= maxDepth || idx.length < minSplit || counts[majority] === idx.length) return self;
      let best = { gain: 0, feature: -1, bin: 0 };
      const parentGini = gini(counts, idx.length);
      for (let k = 0; k < tries; k++) {
        const c = Math.floor(random() * C);
        hist.fill(0);
        for (const r of idx) hist[bins[c * m + r] * K + y[r]]++;
        const left = new Float64Array(K);
        let nLeft = 0;
        for (let b = 0; b < edges[c].length; b++) {
          for (let j = 0; j < K; j++) left[j] += hist[b * K + j];
          nLeft += sumRange(hist, b * K, K);
          const nRight = idx.length - nLeft;
          if (nLeft === 0 || nRight === 0) continue;
          const right = counts.map((v, j) => v - left[j]);
          const gain = parentGini - (nLeft * gini(left, nLeft) + nRight * gini(right, nRight)) / idx.length;
          if (gain > best.gain + 1e-12) best = { gain, feature: c, bin: b };
        }
      }
      if (best.feature < 0) return self;
      const goesLeft = (r: number) => bins[best.feature * m + r] <= best.bin;
      const l = idx.filter(goesLeft);
      const rr = idx.filter((r) => !goesLeft(r));
      nodes[self].feature = best.feature;
      nodes[self].threshold = edges[best.feature][best.bin];
      nodes[self].left = grow(l, depth + 1);
      nodes[self].right = grow(rr, depth + 1);
      return self;
    };
    grow(sample, 0);
    forest.push(nodes);
  }

  return {
    trainedOn: m,
    predict(features, channels) {
      if (channels !== C) throw new SatError('E_INPUT', `the forest was trained on ${C} channels, not ${channels}`);
      const count = features.length / C;
      const out = new Int32Array(count);
      const votes = new Int32Array(K);
      for (let i = 0; i < count; i++) {
        votes.fill(0);
        for (const nodes of forest) {
          let node = nodes[0];
          while (node.feature >= 0) node = nodes[features[i * C + node.feature] <= node.threshold ? node.left : node.right];
          votes[node.label]++;
        }
        let top = 0;
        for (let k = 1; k < K; k++) if (votes[k] > votes[top]) top = k;
        out[i] = classIds[top];
      }
      return out;
    },
  };
}

/** Bin b holds values in (edges[b-1], edges[b]]: a split after bin b sends value <= edges[b] left. */
function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function gini(counts: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < counts.length; k++) s += (counts[k] / n) ** 2;
  return 1 - s;
}

function sumRange(a: Float64Array, from: number, length: number): number {
  let s = 0;
  for (let i = from; i < from + length; i++) s += a[i];
  return s;
}

/** Row indices: all when there are few, else a seeded sample with a floor per class, the rest proportional. */
function subsample(labels: Int32Array, max: number, seed: number): number[] {
  if (labels.length <= max) return Array.from(labels, (_, i) => i);
  const random = seededRandom(seed ^ 0x5bd1e995);
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
