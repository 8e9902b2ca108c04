import { describe, expect, it } from 'vitest';
import { confusionMatrix, metricsFromConfusion, probabilitySeparation } from '../../pipeline/model/classification-metrics.js';

describe('classification metrics', () => {
  it('reproduce the worked example of Congalton (1991), Table 1', () => {
    // Congalton, R. G. (1991). A review of assessing the accuracy of classifications of remotely sensed data.
    // Remote Sensing of Environment 37, 35-46. Rows there are the map, columns the reference; ours are the reverse.
    const mapRows = [
      [65, 4, 22, 24], // D (deciduous)
      [6, 81, 5, 8], // C (conifer)
      [0, 11, 85, 19], // BA (barren)
      [4, 7, 3, 90], // SB (shrub)
    ];
    const confusion = mapRows.map((_, j) => mapRows.map((row) => row[j]));
    const m = metricsFromConfusion(confusion, [1, 2, 3, 4]);
    expect(m.total).toBe(434);
    expect(Math.round(m.overallAccuracy * 100)).toBe(74); // published: 74 %
    expect(m.perClass.map((c) => Math.round(c.recall! * 100))).toEqual([87, 79, 74, 64]); // producer's accuracies
    expect(m.perClass.map((c) => Math.round(c.precision! * 100))).toEqual([57, 81, 74, 87]); // user's accuracies
    expect(m.kappa).toBeCloseTo(0.65, 2); // KHAT as published
  });

  it('counts only pixels labelled in both, where included, and handles empty classes', () => {
    const reference = [1, 1, 2, 2, 3, -1, 1, 9];
    const predicted = [1, 2, 2, 2, 2, 1, 255, 1];
    const c = confusionMatrix(reference, predicted, [1, 2, 3]);
    expect(c).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [0, 1, 0],
    ]);
    const m = metricsFromConfusion(c, [1, 2, 3]);
    expect(m.overallAccuracy).toBeCloseTo(3 / 5);
    // Rows 2, 2, 1; columns 1, 4, 0 of 5: chance agreement (2*1 + 2*4 + 1*0) / 25 = 0.4, kappa (0.6 - 0.4) / (1 - 0.4);
    // sklearn's cohen_kappa_score, 1 - observed disagreement / expected = 1 - 0.4 / 0.6, agrees.
    expect(m.kappa).toBeCloseTo(1 / 3, 12);
    const third = m.perClass[2];
    // Reference pixels, never predicted: F1 0 (sklearn's f1_score with zero_division=0 gives the same), and it counts.
    expect(third).toEqual({ class: 3, precision: null, recall: 0, f1: 0, iou: 0, support: 1, predicted: 0 });
    expect(m.perClass[1].iou).toBeCloseTo(2 / 4);
    expect(m.perClass[1].f1).toBeCloseTo((2 * (2 / 4) * 1) / (2 / 4 + 1));
    expect(m.macroF1).toBeCloseTo((m.perClass[0].f1! + m.perClass[1].f1! + 0) / 3);
    // A model that predicts only the majority class cannot beat one that predicts every class reasonably well.
    const lazy = metricsFromConfusion([[80, 0, 0], [10, 0, 0], [10, 0, 0]], [1, 2, 3]);
    const fair = metricsFromConfusion([[70, 5, 5], [2, 7, 1], [2, 1, 7]], [1, 2, 3]);
    expect(lazy.macroF1).toBeCloseTo((2 * 80) / (80 + 100) / 3, 12);
    expect(fair.macroF1).toBeGreaterThan(lazy.macroF1);
    // A class in neither the reference nor the prediction has no F1 and does not count.
    expect(metricsFromConfusion([[5, 0], [0, 0]], [1, 2])).toMatchObject({ macroF1: 1, perClass: [{ f1: 1 }, { f1: null }] });
    expect(confusionMatrix(reference, predicted, [1, 2, 3], (i) => i < 2)).toEqual([
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(() => metricsFromConfusion(confusionMatrix([5], [5], [1, 2]), [1, 2])).toThrow(/no labelled pixels/);
  });

  it('probability separation: means on both classes and the AUC (the Mann-Whitney statistic, ties half)', () => {
    // Positive-class probabilities 0.9, 0.6 (positives) and 0.6, 0.2, 0.1 (negatives); pixel 5 excluded, pixel 6 unlabelled.
    const positive = [0.9, 0.6, 0.6, 0.2, 0.1, 0.99, 0.5];
    const p = Float32Array.from(positive.flatMap((q) => [1 - q, q]));
    const labels = [1, 1, 0, 0, 0, 1, -1];
    const include = [1, 1, 1, 1, 1, 0, 1];
    const s = probabilitySeparation(p, labels, include);
    expect(s.onPositive).toBeCloseTo(0.75, 6);
    expect(s.onNegative).toBeCloseTo(0.3, 6);
    // Pairs (positive, negative): 0.9 beats all 3; 0.6 ties 0.6 (half) and beats 2: (3 + 2.5) / 6.
    expect(s.auc).toBeCloseTo(5.5 / 6, 12);
  });
});
