import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { fixJobComposite } from '../composite/fix-job-composite.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import type { JobPlan } from '../jobs/job-plan.js';
import { modelTiling, predictionPlan } from '../model/prediction-plan.js';
import { checkRecipeImagery } from '../preprocess/check-recipe-imagery.js';
import { checkRecipeFits } from '../preprocess/prepare-tile.js';
import { requireGeoreferenced } from '../raster/georeferenced.js';
import { readAoi, selectTilesForAoi } from '../tiling/aoi.js';
import type { JobStage } from './stage.js';

/**
 * Stage "ingest" (data collection): opens the imagery (local path or http(s) URL; for a STAC source, fixes the Items
 * and the analysis grid of the composite its tiles will read) and checks, once for the whole job,
 * that it can be analysed with the model — georeferenced with a known CRS, the bands the model's recipe reads, an
 * auxiliary mask on the same grid, an AOI that meets the scene — then fixes the tiling in the job's plan.
 */
export const ingest: JobStage = {
  name: 'ingest',
  per: 'job',
  weight: 0.05,
  async run(job, ctx) {
    // A retried ingest keeps the plan the first one fixed (later stages may already be working on its tiles).
    if (existsSync(job.dir.plan)) return;
    // A STAC source: the Items and grid are fixed first (kept apart, so a retried ingest does not search again).
    const compositeFile = job.dir.path(JOB_LAYOUT.composite);
    if (job.stac && !existsSync(compositeFile)) {
      if (!job.inputs.period) throw new SatError('E_INPUT', 'a STAC source needs the period to search');
      const source = await fixJobComposite({ stac: job.stac, area: job.searchArea(), period: job.inputs.period, recipe: job.metadata.recipe, settings: ctx.settings, logger: ctx.logger, progress: (f, m) => ctx.progress(0.9 * f, m) });
      await writeFileAtomic(compositeFile, JSON.stringify(source));
    }
    const scene = requireGeoreferenced((await job.scene()).info);
    const { maxSceneMegapixels, maxTiles } = ctx.settings.limits;
    const megapixels = (scene.width * scene.height) / 1e6;
    if (megapixels > maxSceneMegapixels) {
      throw new SatError('E_INPUT', `${scene.source} is ${scene.width} x ${scene.height} px (${Math.round(megapixels)} Mpx), more than a job may read (limits.maxSceneMegapixels: ${maxSceneMegapixels})`);
    }
    const aux = await job.aux();
    if (aux && (aux.info.width !== scene.width || aux.info.height !== scene.height)) {
      throw new SatError('E_INPUT', `the auxiliary raster ${aux.info.source} is ${aux.info.width} x ${aux.info.height}, the imagery ${scene.width} x ${scene.height}: not the same grid`);
    }
    checkRecipeImagery(job.recipe, scene);
    checkRecipeFits(job.recipe, scene, aux !== undefined);
    const tiling = modelTiling(job.metadata, ctx.settings.tiling);
    const aoi = job.inputs.aoi;
    const selected = aoi ? selectTilesForAoi(scene, { tileSize: tiling.tileSize, halo: 0 }, readAoi(aoi)).grid.tiles.map((t) => t.id) : undefined;
    const { grid } = predictionPlan(scene, tiling, selected);
    if (grid.tiles.length === 0) throw new SatError('E_INPUT', `the AOI ${aoi} touches no tile of ${scene.source}`);
    if (grid.tiles.length > maxTiles) throw new SatError('E_INPUT', `${scene.source} needs ${grid.tiles.length} tiles of ${tiling.tileSize} px, more than one job may have (limits.maxTiles: ${maxTiles})`);
    if (scene.epsg === null) ctx.logger.warn({ source: scene.source }, 'the scene has a user-defined CRS without an EPSG code; the prediction GeoTIFFs carry no CRS');
    const plan: JobPlan = { scene, tileSize: tiling.tileSize, halo: tiling.halo, tiles: grid.tiles.map((t) => t.id) };
    await writeFileAtomic(job.dir.plan, JSON.stringify(plan));
    ctx.logger.info({ imagery: scene.source, width: scene.width, height: scene.height, bands: scene.bands, epsg: scene.epsg, tiles: plan.tiles.length }, 'ingested');
    ctx.progress(1);
  },
};
