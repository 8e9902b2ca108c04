import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { takePreparedTile, writeTilePrediction } from '../jobs/tile-artifacts.js';
import type { TileStage } from './stage.js';

/**
 * Stage "classify", per tile: the prepared tile through the model. Tiles handed in at about the same time (by
 * this job or, in a worker, by any job with the same model) are classified in one batch.
 */
export const classify: TileStage = {
  name: 'classify',
  per: 'tile',
  weight: 0.45,
  usesModel: true,
  async run(job, tileId, ctx) {
    if (!existsSync(job.dir.tile(tileId, 'prediction')) && !existsSync(job.dir.predictionSummary)) {
      const { pool, batcher } = await ctx.classifiers.get(job.inputs.model, job.modelHash, job.metadata);
      const prediction = await batcher.classify(await takePreparedTile(job.dir, tileId, ctx.handOver));
      await writeTilePrediction(job.dir, { ...prediction, runtime: pool.runtime, threads: pool.threads });
    }
    await rm(job.dir.tile(tileId, 'prepared'), { force: true });
  },
};
