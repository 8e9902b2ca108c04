import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import { SatError } from '../core/errors.js';
import type { PredictionJob } from '../jobs/open-job.js';
import type { TileHandOver } from '../jobs/tile-artifacts.js';
import type { Classifiers } from '../model/classifiers.js';

export type StageName = 'ingest' | 'prepare' | 'classify' | 'stitch' | 'aggregate' | 'assess' | 'publish';

/** Seconds spent on a job so far: its cost and timeliness, recorded in the manifest. */
export interface RunCost {
  /** Wall-clock seconds per stage (first start to last finish of its work). */
  stageSeconds: Record<string, number>;
  wallSeconds: number;
  /** CPU seconds of the processes that ran the job. */
  cpuSeconds: number;
}

/**
 * What every stage receives besides its job. The same stages run in one process (`sat run`, `sat predict`) and in
 * queue workers; only the context differs: a CLI progress bar or BullMQ job progress, one job's models or a
 * worker's, costs measured in process or from the queue's records.
 */
export interface StageContext {
  settings: Settings;
  logger: Logger;
  /** The fraction done (0..1) of the stage's current work. */
  progress: (fraction: number, message?: string) => void;
  /** Loaded models, shared by every tile this process classifies. */
  classifiers: Classifiers;
  /** The job's cost so far, for the manifest. */
  runCost: () => Promise<RunCost>;
  /** Tile hand-overs kept in memory where a tile's stages run back to back in one process (`sat run`); null where they run apart. */
  handOver: TileHandOver | null;
}

interface StageInfo {
  name: StageName;
  /** Share of a job's work, for the overall progress the service reports. */
  weight: number;
  /** Stages that run a model: queued apart, so GPU workers take only them. */
  usesModel?: boolean;
}

/** A step run once per job. */
export interface JobStage<J extends PredictionJob = PredictionJob> extends StageInfo {
  per: 'job';
  run(job: J, ctx: StageContext): Promise<void>;
}

/** A step fanned out over the job's tiles: each tile independent of the others, in any order, on any worker. */
export interface TileStage<J extends PredictionJob = PredictionJob> extends StageInfo {
  per: 'tile';
  run(job: J, tile: string, ctx: StageContext): Promise<void>;
}

/**
 * A step of a job: reads what earlier stages left in the job's folder and leaves its own output there, written
 * atomically; a stage whose output is already there does nothing, so a retried or repeated stage is harmless.
 */
export type Stage<J extends PredictionJob = PredictionJob> = JobStage<J> | TileStage<J>;

/** Runs one stage of a job, for one tile if it is a tile stage: how `sat run` and the workers call a stage. */
export async function runStage<J extends PredictionJob>(stage: Stage<J>, job: J, tile: string | undefined, ctx: StageContext): Promise<void> {
  if (stage.per === 'job') return stage.run(job, ctx);
  if (tile === undefined) throw new SatError('E_INPUT', `stage ${stage.name} runs per tile, and no tile was given`);
  return stage.run(job, tile, ctx);
}
