import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { RegionalAssessment } from '../assess/assess-regions.js';
import type { Settings } from '../config/settings.js';
import { temporaryPathFor } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { openJob } from '../jobs/open-job.js';
import { JOB_STAGES } from '../stages/index.js';
import type { StatisticsRow } from '../statistics/region-statistics.js';
import { runStages } from './run-stages.js';

export interface JobResult {
  out: string;
  rows: StatisticsRow[];
  assessment: RegionalAssessment | null;
  manifest: Record<string, unknown>;
}

/** A job may replace an earlier job's output, never a directory holding anything else. */
function checkOutputTarget(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SatError('E_INPUT', `output ${dir} exists and is not a directory; choose another`);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, JOB_LAYOUT.manifest))) {
    throw new SatError('E_INPUT', `output directory ${dir} exists and is not an earlier job's output; choose another`);
  }
}

/** The published results of a job folder. */
export function readJobResult(out: string): JobResult {
  const read = (f: string) => JSON.parse(readFileSync(path.join(out, f), 'utf8'));
  const assessment = path.join(out, JOB_LAYOUT.statistics.assessment);
  return { out, rows: read(JOB_LAYOUT.statistics.json), assessment: existsSync(assessment) ? read(JOB_LAYOUT.statistics.assessment) : null, manifest: read(JOB_LAYOUT.manifest) };
}

/**
 * `sat run`: every stage of a job in one process (ingest → prepare → classify → stitch → aggregate → assess →
 * publish). The stages work in a folder beside `out` that replaces it only when complete: a failed run leaves
 * earlier results untouched. The queued service runs the same stages as separate jobs.
 */
export async function runJob(spec: JobSpec, specText: string, settings: Settings, progress: (step: string, fraction: number) => void): Promise<JobResult> {
  // Everything that can be checked before the expensive work is checked first.
  checkOutputTarget(spec.out);
  const work = temporaryPathFor(spec.out);
  const job = openJob(spec, specText, { work, out: spec.out }, settings);
  try {
    job.regions();
    await runStages(JOB_STAGES, job, settings, progress);
  } finally {
    await job.close();
    await rm(work, { recursive: true, force: true });
  }
  return readJobResult(spec.out);
}
