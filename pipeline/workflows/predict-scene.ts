import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { replaceDir, temporaryPathFor } from '../core/atomic-write.js';
import { PredictionJob, type PredictionInputs } from '../jobs/open-job.js';
import { checkPredictionTarget, PREDICTION_FILES, type PredictionResult } from '../model/prediction-writer.js';
import { PREDICTION_STAGES } from '../stages/index.js';
import { runStages } from './run-stages.js';

/**
 * `sat predict`: the prediction stages of a job (ingest → prepare → classify → stitch) on one scene, in one
 * process; the class map, confidence, pixel status (and probabilities) land in `outDir` when all are written.
 */
export async function predictScene(inputs: PredictionInputs, outDir: string, settings: Settings, progress: (fraction: number, label?: string) => void): Promise<PredictionResult> {
  checkPredictionTarget(outDir);
  const work = temporaryPathFor(outDir);
  const job = PredictionJob.open(inputs, { work, out: work }, settings);
  try {
    // Ingest and stitch are quick: the tiles' classification is the progress worth showing.
    await runStages(PREDICTION_STAGES, job, settings, (stage, f, label) => stage === 'classify' && progress(f, label));
    await replaceDir(job.dir.predictionDir, outDir);
  } finally {
    await job.close();
    await rm(work, { recursive: true, force: true });
  }
  const result = JSON.parse(readFileSync(path.join(outDir, PREDICTION_FILES.summary), 'utf8')) as PredictionResult;
  const files = Object.fromEntries(Object.entries(result.files).map(([k, f]) => [k, f && path.join(outDir, f)])) as PredictionResult['files'];
  return { ...result, files };
}
