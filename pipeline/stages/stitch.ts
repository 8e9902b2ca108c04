import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { compositeItem } from '../composite/composite-item.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import { planGrids, type JobPlan } from '../jobs/job-plan.js';
import type { PredictionJob } from '../jobs/open-job.js';
import { readCompositeTile, readTilePrediction, type ClassifiedTile } from '../jobs/tile-artifacts.js';
import { PredictionWriter, type PredictionResult } from '../model/prediction-writer.js';
import { createGeoTiffWriter } from '../raster/write-geotiff.js';
import { tileId } from '../tiling/tile-grid.js';
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
      const tiles = grids.grid.tiles;
      // The next tile's file is read while this one is blended and written.
      const read = (i: number) => {
        const p = readTilePrediction(job.dir, tiles[i].id);
        p.catch(() => {}); // awaited below, where its failure surfaces
        return p;
      };
      let next = tiles.length > 0 ? read(0) : null;
      for (let i = 0; i < tiles.length; i++) {
        const tile = await next!;
        next = i + 1 < tiles.length ? read(i + 1) : null;
        first ??= tile;
        await writer.add(tile);
        ctx.progress((i + 1) / tiles.length);
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    if (!first) throw new Error('the plan has no tiles'); // (ingest refuses such a plan)
    if (job.stac) await stitchComposite(job, plan);
    await writer.finish(first.runtime, first.threads);
    await rm(job.dir.path(JOB_LAYOUT.tiles), { recursive: true, force: true });
  },
};

/** The prediction's summary (stitch writes it last): class pixel counts, masked and cloud pixels, the runtime. */
export function readPredictionSummary(job: PredictionJob): PredictionResult {
  return JSON.parse(readFileSync(job.dir.predictionSummary, 'utf8')) as PredictionResult;
}

/**
 * A STAC job's composite tiles into `imagery/`: the composite the job classified (float32, NaN where no clear
 * observation or outside the AOI's tiles), its clear-observation count and its STAC Item, which records every Item
 * and asset version read and which Items gave pixels to which tile.
 */
async function stitchComposite(job: PredictionJob, plan: JobPlan): Promise<void> {
  const { plan: composite, assets } = job.compositeSource();
  const { scene, tileSize } = plan;
  await mkdir(job.dir.path(JOB_LAYOUT.imagery.dir), { recursive: true });
  const common = { width: scene.width, height: scene.height, geotransform: scene.geotransform, epsg: scene.epsg, tileSize: tileSize % 256 === 0 ? 256 : tileSize, overviews: [2, 4, 8, 16].filter((f) => Math.max(scene.width, scene.height) / f >= 256) };
  const bands = await createGeoTiffWriter(job.dir.path(JOB_LAYOUT.imagery.composite), { ...common, bands: composite.bands.length, dtype: 'float32', nodata: NaN, bandDescriptions: composite.bands, overviewResampling: 'average' });
  const count = await createGeoTiffWriter(job.dir.path(JOB_LAYOUT.imagery.clearCount), { ...common, bands: 1, dtype: 'uint16', bandDescriptions: ['clear_count'], overviewResampling: 'nearest' });
  const selected = new Set(plan.tiles);
  const tiles: Record<string, string[]> = {};
  let noClearPixels = 0;
  try {
    // Every cell of the tiling: tiles outside the AOI are written empty (the files cover the whole grid).
    for (let row = 0; row * tileSize < scene.height; row++) {
      for (let col = 0; col * tileSize < scene.width; col++) {
        const window = { col: col * tileSize, row: row * tileSize, width: Math.min(tileSize, scene.width - col * tileSize), height: Math.min(tileSize, scene.height - row * tileSize) };
        const n = window.width * window.height;
        const id = tileId(col, row);
        if (selected.has(id)) {
          const t = await readCompositeTile(job.dir, id);
          tiles[id] = t.items;
          for (const c of t.clearCount) if (c === 0) noClearPixels++;
          await bands.writeWindow(window, t.bands);
          await count.writeWindow(window, [t.clearCount]);
        } else {
          await bands.writeWindow(window, composite.bands.map(() => new Float32Array(n).fill(NaN)));
          await count.writeWindow(window, [new Uint16Array(n)]);
        }
      }
    }
    await bands.close();
    await count.close();
  } catch (err) {
    await Promise.all([bands.abort(), count.abort()]);
    throw err;
  }
  await writeFileAtomic(job.dir.path(JOB_LAYOUT.imagery.item), `${JSON.stringify(compositeItem(composite, noClearPixels, assets, tiles), null, 1)}\n`);
}
