import { SatError } from '../core/errors.js';

/** Accuracy of a classification against reference labels, as the quality framework reports it. */
export interface ClassificationMetrics {
  classes: number[];
  /** confusion[i][j]: pixels of reference class classes[i] predicted as classes[j]. */
  confusion: number[][];
  total: number;
  overallAccuracy: number;
  /** Cohen's kappa: agreement beyond what the marginals give by chance. */
  kappa: number;
  perClass: {
    class: number;
    /** User's accuracy: of the pixels predicted as the class, the share that is it. null when none was predicted. */
    precision: number | null;
    /** Producer's accuracy: of the class's reference pixels, the share found. null when it has none. */
    recall: number | null;
    /** 2TP / (2TP + FP + FN): 0 for a class with reference pixels that is never predicted (or predicted, never right); null only for a class absent from both. */
    f1: number | null;
    /** Intersection over union of predicted and reference pixels. */
    iou: number | null;
    support: number;
    predicted: number;
  }[];
  /** Mean F1 over the classes present in the reference or the prediction: a class never predicted counts as 0, so a model cannot score higher by dropping classes. */
  macroF1: number;
}

/**
 * Confusion matrix (rows = reference, columns = predicted) over pixels whose reference and prediction are both
 * among `classes` (anything else is nodata or unlabelled) and, with `include`, only where it says so.
 */
export function confusionMatrix(reference: ArrayLike<number>, predicted: ArrayLike<number>, classes: number[], include?: (i: number) => boolean): number[][] {
  if (reference.length !== predicted.length) throw new SatError('E_INPUT', `reference has ${reference.length} pixels, the prediction ${predicted.length}`);
  const index = new Map(classes.map((c, k) => [c, k]));
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  for (let i = 0; i < reference.length; i++) {
    const r = index.get(reference[i]);
    const p = index.get(predicted[i]);
    if (r === undefined || p === undefined || (include && !include(i))) continue;
    matrix[r][p]++;
  }
  return matrix;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export function metricsFromConfusion(confusion: number[][], classes: number[]): ClassificationMetrics {
  const K = classes.length;
  const rows = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const cols = classes.map((_, j) => confusion.reduce((a, row) => a + row[j], 0));
  const total = rows.reduce((a, b) => a + b, 0);
  if (total === 0) throw new SatError('E_INPUT', 'no labelled pixels to evaluate (none is valid, labelled and in the evaluated part)');
  let agree = 0;
  let chance = 0;
  for (let k = 0; k < K; k++) {
    agree += confusion[k][k];
    chance += rows[k] * cols[k];
  }
  const po = agree / total;
  const pe = chance / (total * total);
  const perClass = classes.map((c, k) => {
    const tp = confusion[k][k];
    const precision = ratio(tp, cols[k]);
    const recall = ratio(tp, rows[k]);
    const f1 = ratio(2 * tp, rows[k] + cols[k]);
    return { class: c, precision, recall, f1, iou: ratio(tp, rows[k] + cols[k] - tp), support: rows[k], predicted: cols[k] };
  });
  const f1s = perClass.map((p) => p.f1).filter((v): v is number => v !== null);
  return {
    classes,
    confusion,
    total,
    overallAccuracy: po,
    kappa: pe === 1 ? 1 : (po - pe) / (1 - pe),
    perClass,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
  };
}

/**
 * How well a two-class model's positive-class probability (class 1 of 2, HWC) separates the classes on the pixels
 * `include` keeps (label < 0: unlabelled, skipped): its mean on positive and negative pixels, and the AUC — the chance
 * that a positive pixel scores above a negative one, ties counting half — from a histogram of 1/1000 bins.
 */
export function probabilitySeparation(p: Float32Array, labels: ArrayLike<number>, include: ArrayLike<number>): { onPositive: number; onNegative: number; auc: number } {
  const bins = 1000;
  const hist = [new Float64Array(bins + 1), new Float64Array(bins + 1)];
  const sum = [0, 0];
  for (let i = 0; i < include.length; i++) {
    if (!include[i] || labels[i] < 0) continue;
    const k = labels[i] === 1 ? 1 : 0;
    sum[k] += p[i * 2 + 1];
    hist[k][Math.round(p[i * 2 + 1] * bins)]++;
  }
  const n = hist.map((h) => h.reduce((a, b) => a + b, 0));
  let below = 0;
  let auc = 0;
  for (let b = 0; b <= bins; b++) {
    auc += hist[1][b] * (below + hist[0][b] / 2);
    below += hist[0][b];
  }
  return { onPositive: sum[1] / n[1], onNegative: sum[0] / n[0], auc: auc / (n[0] * n[1]) };
}
