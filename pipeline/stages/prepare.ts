import { existsSync } from 'node:fs';
import { planTile } from '../jobs/job-plan.js';
import { writePreparedTile } from '../jobs/tile-artifacts.js';
import { prepareTile } from '../preprocess/prepare-tile.js';
import type { TileStage } from './stage.js';

/** Stage "prepare" (tile + preprocess), per tile: the tile's window of the scene made analysis-ready for the model. */
export const prepare: TileStage = {
  name: 'prepare',
  per: 'tile',
  weight: 0.2,
  async run(job, tileId) {
    const done = [job.dir.tile(tileId, 'prepared'), job.dir.tile(tileId, 'prediction'), job.dir.predictionSummary];
    if (done.some((f) => existsSync(f))) return;
    const tile = planTile(job.plan(), tileId);
    const { prepared } = await prepareTile({ scene: await job.scene(), aux: await job.aux(), tile, recipe: job.metadata.recipe });
    await writePreparedTile(job.dir, tile, prepared);
  },
};
