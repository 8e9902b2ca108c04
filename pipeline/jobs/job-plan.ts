import { existsSync, readFileSync } from 'node:fs';
import { SatError } from '../core/errors.js';
import { predictionPlan, type PredictionPlan } from '../model/prediction-plan.js';
import type { GeoreferencedInfo } from '../raster/georeferenced.js';
import type { Tile } from '../tiling/tile-grid.js';
import type { JobDir } from './job-dir.js';

/**
 * What ingest fixes for a job (`stages/plan.json`): the checked scene metadata and the tiling, so every later
 * stage, on whatever worker and with whatever settings, sees the same grid and needs no check of its own.
 */
export interface JobPlan {
  scene: GeoreferencedInfo;
  tileSize: number;
  halo: number;
  /** Ids of the tiles to classify (all, or those the AOI touches), row-major. */
  tiles: string[];
}

/** The job's plan; an error if ingest has not run (or the job was published, which removes it). */
export function readJobPlan(dir: JobDir): JobPlan {
  if (!existsSync(dir.plan)) throw new Error(`${dir.root} has no tile plan (ingest has not run)`);
  return JSON.parse(readFileSync(dir.plan, 'utf8')) as JobPlan;
}

/** The plan's tiles as the prediction writer needs them. */
export const planGrids = (plan: JobPlan): PredictionPlan => predictionPlan(plan.scene, plan, plan.tiles);

/** One tile of the plan, by id. */
export function planTile(plan: JobPlan, id: string): Tile {
  const tile = planGrids(plan).grid.tiles.find((t) => t.id === id);
  if (!tile) throw new SatError('E_INPUT', `tile ${id} is not in the job's plan`);
  return tile;
}
