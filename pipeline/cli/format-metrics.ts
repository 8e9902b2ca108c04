import type { ClassificationMetrics } from '../model/classification-metrics.js';
import type { SceneEvaluation } from '../model/evaluate-scene.js';
import type { ModelClass } from '../model/model-package.js';

const pct = (v: number | null) => (v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);

/** Accuracy report for people: overall figures, a per-class table and the confusion matrix (rows = reference). */
export function formatMetrics(title: string, m: ClassificationMetrics, classes: ModelClass[]): string {
  const name = (id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`;
  const width = Math.max(8, ...m.classes.map((id) => name(id).length));
  const lines = [
    `${title}: overall accuracy ${pct(m.overallAccuracy).trim()}, kappa ${m.kappa.toFixed(3)}, macro F1 ${pct(m.macroF1).trim()} (${m.total} pixels)`,
    `  ${'class'.padEnd(width)}  precision  recall      F1     IoU  reference  predicted`,
    ...m.perClass.map(
      (c) => `  ${name(c.class).padEnd(width)}  ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${pct(c.f1).padStart(7)} ${pct(c.iou).padStart(7)}  ${String(c.support).padStart(9)}  ${String(c.predicted).padStart(9)}`,
    ),
    `  confusion matrix (rows: reference, columns: predicted; ${m.classes.join(', ')})`,
    ...m.confusion.map((row, i) => `  ${String(m.classes[i]).padStart(4)} ${row.map((v) => String(v).padStart(7)).join('')}`),
  ];
  return lines.join('\n');
}

export function formatEvaluation(title: string, e: SceneEvaluation, classes: ModelClass[]): string {
  const lines = [formatMetrics(title, e.metrics, classes)];
  const b = e.buildings;
  if (b) {
    lines.push(
      `  buildings (connected components of at least ${b.minSize} px, matched at IoU >= 0.5): ${b.predicted} predicted, ${b.reference} labelled, ${b.matched} matched; precision ${pct(b.precision).trim()}, recall ${pct(b.recall).trim()}, F1 ${pct(b.f1).trim()}`,
    );
  }
  return lines.join('\n');
}
