import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../pipeline/core/random.js';
import { trainRandomForest } from '../../pipeline/model/random-forest-baseline.js';

/** Three Gaussian-ish clusters in 4 features; class = cluster. */
function clusters(n: number, seed: number) {
  const r = seededRandom(seed);
  const centres = [
    [0, 0, 0, 0],
    [3, 3, 0, 1],
    [0, 3, 3, -1],
  ];
  const features = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    labels[i] = [2, 5, 8][k];
    for (let c = 0; c < 4; c++) features[i * 4 + c] = centres[k][c] + (r() + r() + r() - 1.5);
  }
  return { features, labels, channels: 4 };
}

describe('random-forest baseline', () => {
  it('separates separable classes and is deterministic for a seed', () => {
    const train = clusters(900, 1);
    const test = clusters(600, 2);
    const forest = trainRandomForest(train, { seed: 3, trees: 20 });
    const predicted = forest.predict(test.features, 4);
    const correct = predicted.filter((p, i) => p === test.labels[i]).length;
    expect(correct / 600).toBeGreaterThan(0.95);
    expect(trainRandomForest(train, { seed: 3, trees: 20 }).predict(test.features, 4)).toEqual(predicted);
  });

  it('separates two classes split by one feature among noise', () => {
    const make = (n: number, seed: number) => {
      const r = seededRandom(seed);
      const features = Float32Array.from({ length: n * 3 }, () => r());
      const labels = Int32Array.from({ length: n }, (_, i) => (features[i * 3 + 1] > 0.5 ? 1 : 0));
      return { features, labels, channels: 3 };
    };
    const test = make(500, 6);
    const predicted = trainRandomForest(make(600, 5), { seed: 7, trees: 20 }).predict(test.features, 3);
    expect(predicted.filter((p, i) => p === test.labels[i]).length / 500).toBeGreaterThan(0.95);
  });

  it('subsamples large sets but keeps rare classes', () => {
    const data = clusters(3000, 4);
    const rare = data.labels.map((l, i) => (i < 20 ? 99 : l));
    const forest = trainRandomForest({ ...data, labels: Int32Array.from(rare) }, { seed: 1, trees: 5, maxSamples: 300 });
    expect(forest.trainedOn).toBeGreaterThanOrEqual(300); // 300 proportional + the rare class's floor
    expect(forest.trainedOn).toBeLessThan(400);
  });

  it('refuses an empty training set', () => {
    expect(() => trainRandomForest({ features: new Float32Array(0), labels: new Int32Array(0), channels: 3 }, { seed: 1 })).toThrow(/no training pixels/);
  });
});
