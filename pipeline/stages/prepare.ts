import { existsSync } from 'node:fs';
import { planTile } from '../jobs/job-plan.js';
import { handOverPreparedTile, writeCompositeTile } from '../jobs/tile-artifacts.js';
import { prepareTile } from '../preprocess/prepare-tile.js';
import type { TileStage } from './stage.js';

/**
 * Stage "prepare" (tile + preprocess), per tile: the tile's window of the scene made analysis-ready for the model. For
 * a STAC source the window is composited here from the Items that touch it, so no process ever holds a scene.
 */
export const prepare: TileStage = {
  name: 'prepare',
  per: 'tile',
  weight: 0.2,
  async run(job, tileId, ctx) {
    const done = [job.dir.tile(tileId, 'prepared'), job.dir.tile(tileId, 'prediction'), job.dir.predictionSummary];
    if (done.some((f) => existsSync(f))) return;
    const tile = planTile(job.plan(), tileId);
    const { prepared } = await prepareTile({ scene: await job.scene(), aux: await job.aux(), tile, recipe: job.recipe });
    // A STAC job's composite of the tile (already computed for the read above) goes to stitch, before the prepared
    // tile that marks this stage done.
    if (job.stac) await writeCompositeTile(job.dir, tile, await job.composite(tile.read));
    await handOverPreparedTile(job.dir, tile, prepared, ctx.handOver);
  },
};
