import { existsSync, readFileSync } from 'node:fs';
import { assessRegions, type RegionalAssessment } from '../assess/assess-regions.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import type { Job } from '../jobs/open-job.js';
import { crsOf } from '../raster/georeferenced.js';
import { regionsInCrs } from '../zonal/load-regions.js';
import { readAggregation } from './aggregate.js';
import { readPredictionSummary } from './stitch.js';
import type { JobStage } from './stage.js';

/** What assess hands on (`stages/assessment.json`): the assessment, or null for a job without reference data. */
export function readAssessment(job: Job): RegionalAssessment | null {
  return JSON.parse(readFileSync(job.dir.assessment, 'utf8')) as RegionalAssessment | null;
}

/**
 * Stage "assess" (evaluation): the job's reference sample (drawn from the map and labelled from a reference raster,
 * or a labelled sample file) against the map: error matrices, accuracies, and error-adjusted areas per region.
 */
export const assess: JobStage<Job> = {
  name: 'assess',
  per: 'job',
  weight: 0.05,
  async run(job, ctx) {
    if (existsSync(job.dir.assessment)) return;
    const reference = job.spec.reference;
    let assessment: RegionalAssessment | null = null;
    // A map with nothing classified (a period without a clear observation) has no sample to draw: its statistics say
    // so (publish flags them), rather than the job failing.
    const classified = Object.values(readPredictionSummary(job).classPixels).some((n) => n > 0);
    if (reference && !classified) ctx.logger.warn('the map has no classified pixel: not assessed');
    if (reference && classified) {
      assessment = await assessRegions({
        map: await job.raster(job.dir.path(JOB_LAYOUT.prediction.classes)),
        regions: regionsInCrs(job.regions(), crsOf(job.plan().scene)),
        coverage: readAggregation(job).coverage,
        classIds: job.metadata.classes.map((c) => c.id),
        reference,
        openReference: (file) => job.raster(file),
        seed: job.spec.seed,
        confidence: job.spec.confidence,
        interval: job.spec.interval,
      });
    }
    await writeFileAtomic(job.dir.assessment, JSON.stringify(assessment));
  },
};
