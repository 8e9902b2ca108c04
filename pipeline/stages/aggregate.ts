import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import type { Job } from '../jobs/open-job.js';
import { crsOf } from '../raster/georeferenced.js';
import { aggregateRegions } from '../statistics/aggregate-regions.js';
import { countBuildingsByRegion } from '../statistics/count-buildings.js';
import type { RegionCoverage } from '../statistics/region-statistics.js';
import { regionsInCrs } from '../zonal/load-regions.js';
import type { JobStage } from './stage.js';

/** What aggregate hands on (`stages/aggregation.json`): regions x classes, and building counts of building models. */
export interface JobAggregation {
  coverage: RegionCoverage[];
  buildingCounts: Map<string, number> | null;
}

type Stored = { coverage: (Omit<RegionCoverage, 'mappedHa'> & { mappedHa: [number, number][] })[]; buildingCounts: [string, number][] | null };

export function readAggregation(job: Job): JobAggregation {
  const stored = JSON.parse(readFileSync(job.dir.aggregation, 'utf8')) as Stored;
  return {
    coverage: stored.coverage.map((c) => ({ ...c, mappedHa: new Map(c.mappedHa) })),
    buildingCounts: stored.buildingCounts && new Map(stored.buildingCounts),
  };
}

/**
 * Stage "aggregate": the class map summed into the official regions with exact coverage (or the rule the job
 * names) and true cell areas — per region the area mapped as each class, the classified, cloudy and in-scene
 * areas — and, for building models, buildings counted per region.
 */
export const aggregate: JobStage<Job> = {
  name: 'aggregate',
  per: 'job',
  weight: 0.05,
  async run(job, ctx) {
    if (existsSync(job.dir.aggregation)) return;
    const classes = await job.raster(job.dir.path(JOB_LAYOUT.prediction.classes));
    const status = await job.raster(job.dir.path(JOB_LAYOUT.prediction.status));
    const coverage = await aggregateRegions({ classes, status, regions: job.regions(), method: job.spec.regions.method }, (f) => ctx.progress(f));
    if (!coverage.some((c) => c.inSceneHa > 0)) {
      ctx.logger.warn({ regions: job.spec.regions.file, regionCount: coverage.length }, 'no region overlaps the scene: every statistic is 0 (each row is flagged)');
    }
    let buildingCounts: [string, number][] | null = null;
    if (job.buildingClass !== null) {
      const regions = regionsInCrs(job.regions(), crsOf(job.plan().scene));
      buildingCounts = [...(await countBuildingsByRegion(classes, regions, job.buildingClass, job.spec.buildings.minPixels))];
    }
    const stored: Stored = { coverage: coverage.map((c) => ({ ...c, mappedHa: [...c.mappedHa] })), buildingCounts };
    await writeFileAtomic(job.dir.aggregation, JSON.stringify(stored));
  },
};
