import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import { planGrids } from '../jobs/job-plan.js';
import { readTilePrediction, type ClassifiedTile } from '../jobs/tile-artifacts.js';
import { PredictionWriter } from '../model/prediction-writer.js';
import type { JobStage } from './stage.js';

/**
 * Stage "stitch": the tile predictions blended into the scene's class map, confidence and pixel status (tiled
 * GeoTIFFs) and a quicklook, in `prediction/`; the tile files are removed once it is written.
 */
export const stitch: JobStage = {
  name: 'stitch',
  per: 'job',
  weight: 0.1,
  async run(job, ctx) {
    if (existsSync(job.dir.predictionSummary)) return;
    const plan = job.plan();
    const grids = planGrids(plan);
    const writer = await PredictionWriter.create({ scene: plan.scene, metadata: job.metadata, modelDir: job.inputs.model, plan: grids, outDir: job.dir.predictionDir, probabilities: job.inputs.probabilities });
    let first: ClassifiedTile | undefined;
    try {
      for (const [i, t] of grids.grid.tiles.entries()) {
        const tile = await readTilePrediction(job.dir, t.id);
        first ??= tile;
        await writer.add(tile);
        ctx.progress((i + 1) / grids.grid.tiles.length);
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    if (!first) throw new Error('the plan has no tiles'); // (ingest refuses such a plan)
    await writer.finish(first.runtime, first.threads);
    await rm(job.dir.path(JOB_LAYOUT.tiles), { recursive: true, force: true });
  },
};
