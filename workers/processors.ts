import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { isSatError } from '../pipeline/core/errors.js';
import { logger } from '../pipeline/core/logger.js';
import { InferencePool } from '../pipeline/model/inference-pool.js';
import { inferenceThreadCount, type BackendPreference, type RuntimeInfo } from '../pipeline/model/runtime.js';
import { openRaster } from '../pipeline/raster/open-raster.js';
import type { RasterInfo } from '../pipeline/raster/types.js';
import { jobStore, type StoredJob } from '../pipeline/service/job-store.js';
import type { ServiceContext } from '../pipeline/service/service-context.js';
import { scheduleStore } from '../pipeline/service/schedules.js';
import { addStageFlow, submitJob } from '../pipeline/service/submit-job.js';
import { hasTileFile, planFile, readPlan, readPreparedTile, readTilePrediction, tileFile, writeAtomic, writePreparedTile, writeTilePrediction } from '../pipeline/service/tile-artifacts.js';
import { planPrediction, PredictionWriter, type PredictionPlan } from '../pipeline/stages/predict-scene.js';
import { prepareTiles } from '../pipeline/stages/prepare-tiles.js';
import { aggregateJob, jobTileSelection, openJob, publishJob, type JobAggregation, type OpenedJob } from '../pipeline/workflows/run-job.js';
import { stageJobs, type StageJobData } from './queues.js';
import { TileBatcher } from './tile-batcher.js';

/** A job's record and its opened spec; refuses cancelled and unknown jobs without retrying. */
async function loadJob(ctx: ServiceContext, jobId: string): Promise<{ stored: StoredJob; job: OpenedJob }> {
  const stored = await jobStore.get(ctx, jobId);
  if (!stored) throw new UnrecoverableError(`job ${jobId} is not known to the service`);
  if (stored.cancelled) throw new UnrecoverableError('cancelled');
  return { stored, job: openJob(stored.spec, stored.specText) };
}

/** The tiling fixed at ingest (plan.json), so every worker cuts the scene the same way whatever its settings. */
function fixedPlan(ctx: ServiceContext, jobId: string, job: OpenedJob, scene: RasterInfo): PredictionPlan {
  const fixed = readPlan(ctx.jobDir(jobId, 'work'));
  if (!fixed) throw new Error(`job ${jobId} has no tile plan (ingest has not run)`);
  return planPrediction(scene, job.metadata, { tileSize: fixed.tileSize, halo: fixed.halo }, jobTileSelection(job.spec, scene, ctx.settings));
}

/** Inference pools and batchers by model package, kept for the worker's life (loading a model is the slow part). */
class ModelCache {
  private readonly batchers = new Map<string, Promise<{ batcher: TileBatcher; pool: InferencePool }>>();
  constructor(private readonly ctx: ServiceContext) {}

  get(job: OpenedJob): Promise<{ batcher: TileBatcher; pool: InferencePool }> {
    const key = `${job.spec.model}@${job.modelHash}`;
    let entry = this.batchers.get(key);
    if (!entry) {
      const { model } = this.ctx.settings;
      const { classifyBatch, classifyBatchWaitMs } = this.ctx.settings.service;
      entry = InferencePool.start(job.spec.model, model.backend as BackendPreference, inferenceThreadCount(model.inferenceThreads, model.backend as BackendPreference)).then((pool) => ({
        pool,
        batcher: new TileBatcher(pool, job.metadata, classifyBatch, classifyBatchWaitMs),
      }));
      entry.catch(() => this.batchers.delete(key));
      this.batchers.set(key, entry);
    }
    return entry;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.batchers.values());
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.pool.close() : undefined)));
    this.batchers.clear();
  }
}

/** Seconds of a stage job on this process's CPU, added to the job's cost. */
async function withCost<T>(ctx: ServiceContext, jobId: string, stage: string, work: () => Promise<T>): Promise<T> {
  const start = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(start);
    await jobStore.addCpuSeconds(ctx, jobId, stage, (used.user + used.system) / 1e6).catch(() => {});
  }
}

/** Bad input does not get better with retries: a SatError fails the job at once, with its message as the reason. */
async function failFast<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isSatError(err)) throw new UnrecoverableError(err.message);
    throw err;
  }
}

const quiet = { progress: () => {} };

/** The processor functions of every stage queue: thin wrappers around the stage functions `sat run` calls. */
export function createProcessors(ctx: ServiceContext) {
  const models = new ModelCache(ctx);
  const settings = ctx.settings;

  const ingest = async (bullJob: Job<StageJobData['ingest']>) => {
    if ('scheduleId' in bullJob.data) {
      // A schedule fired: submit a run of its job, with the period of the day it fired.
      const schedule = await scheduleStore.get(ctx, bullJob.data.scheduleId);
      if (!schedule) throw new UnrecoverableError(`schedule ${bullJob.data.scheduleId} no longer exists`);
      // The iteration's scheduled time (the job is created earlier, when the previous one runs): unique per run.
      const firedAt = (bullJob.opts as { prevMillis?: number }).prevMillis ?? bullJob.timestamp + (bullJob.opts.delay ?? 0);
      const day = new Date(firedAt).toISOString().slice(0, 10);
      const run = await failFast(() => submitJob(ctx, schedule.owner, { period: day, ...schedule.spec }, { id: `${schedule.id}-${firedAt}`, scheduleId: schedule.id }));
      await scheduleStore.addRun(ctx, schedule.id, run.id, firedAt);
      return { run: run.id };
    }
    const { jobId } = bullJob.data;
    return withCost(ctx, jobId, 'ingest', () =>
      failFast(async () => {
        const { job } = await loadJob(ctx, jobId);
        const work = ctx.jobDir(jobId, 'work');
        if (existsSync(path.join(ctx.jobDir(jobId, 'out'), 'manifest.json'))) return { tiles: 0, done: true };
        const scene = await openRaster(job.spec.imagery, settings.raster);
        let tiles: string[];
        try {
          if (job.spec.aux) await (await openRaster(job.spec.aux, settings.raster)).close();
          const plan = planPrediction(scene.info, job.metadata, settings.tiling, jobTileSelection(job.spec, scene.info, settings));
          tiles = plan.grid.tiles.map((t) => t.id);
          await mkdir(work, { recursive: true });
          // A retried ingest keeps the plan the first one fixed.
          const fixed = readPlan(work);
          if (fixed) tiles = fixed.tiles;
          else await writeAtomic(planFile(work), JSON.stringify({ tileSize: plan.tileSize, halo: plan.halo, tiles }));
        } finally {
          await scene.close();
        }
        await addStageFlow(ctx, jobId, tiles);
        return { tiles: tiles.length };
      }),
    );
  };

  const prepare = async (bullJob: Job<StageJobData['prepare']>) => {
    const { jobId, tile } = bullJob.data;
    return withCost(ctx, jobId, 'prepare', () =>
      failFast(async () => {
        const { job } = await loadJob(ctx, jobId);
        const work = ctx.jobDir(jobId, 'work');
        if (hasTileFile(work, tile, 'prediction') || hasTileFile(work, tile, 'prepared')) return { skipped: true };
        const scene = await openRaster(job.spec.imagery, settings.raster);
        const aux = job.spec.aux ? await openRaster(job.spec.aux, settings.raster) : undefined;
        try {
          const plan = fixedPlan(ctx, jobId, job, scene.info);
          const one = plan.grid.tiles.find((t) => t.id === tile);
          if (!one) throw new UnrecoverableError(`tile ${tile} is not in the job's grid`);
          for await (const p of prepareTiles({ scene, aux, grid: { ...plan.grid, tiles: [one] }, recipe: job.metadata.recipe, prefetch: 1 }, { settings, logger, ...quiet })) {
            await writePreparedTile(work, p.tile, p.prepared);
          }
        } finally {
          await Promise.all([scene.close(), aux?.close()]);
        }
        return { skipped: false };
      }),
    );
  };

  const classify = async (bullJob: Job<StageJobData['classify']>) => {
    const { jobId, tile } = bullJob.data;
    return withCost(ctx, jobId, 'classify', () =>
      failFast(async () => {
        const { job } = await loadJob(ctx, jobId);
        const work = ctx.jobDir(jobId, 'work');
        const { pool, batcher } = await models.get(job);
        if (!hasTileFile(work, tile, 'prediction')) {
          const prediction = await batcher.classify(await readPreparedTile(work, tile));
          await writeTilePrediction(work, prediction);
        }
        await rm(tileFile(work, tile, 'prepared'), { force: true });
        return { runtime: pool.runtime, threads: pool.threads };
      }),
    );
  };

  const stitch = async (bullJob: Job<StageJobData['aggregate']>) => {
    const { jobId } = bullJob.data;
    const { job } = await loadJob(ctx, jobId);
    const work = ctx.jobDir(jobId, 'work');
    const outDir = path.join(work, 'prediction');
    if (existsSync(path.join(outDir, 'prediction.json'))) return { skipped: true };
    const children = Object.values(await bullJob.getChildrenValues()) as { runtime: RuntimeInfo; threads: number }[];
    const scene = await openRaster(job.spec.imagery, settings.raster);
    const info = scene.info;
    await scene.close();
    const plan = fixedPlan(ctx, jobId, job, info);
    const writer = await PredictionWriter.create({ scene: info, metadata: job.metadata, modelDir: job.spec.model, plan, outDir, staging: `${outDir}.tmp-${process.pid}` });
    try {
      for (const t of plan.grid.tiles) await writer.add(await readTilePrediction(work, t.id));
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.finish(children[0].runtime, children[0].threads);
    await rm(path.join(work, 'tiles'), { recursive: true, force: true });
    return { skipped: false };
  };

  const aggregate = async (bullJob: Job<StageJobData['aggregate']>) => {
    const { jobId } = bullJob.data;
    return withCost(ctx, jobId, bullJob.data.step, () =>
      failFast(async () => {
        if (bullJob.data.step === 'stitch') return stitch(bullJob);
        const { job } = await loadJob(ctx, jobId);
        const work = ctx.jobDir(jobId, 'work');
        const file = path.join(work, 'aggregation.json');
        if (!existsSync(file)) await writeAtomic(file, JSON.stringify(await aggregateJob(job, work, settings, () => {})));
        return { skipped: false };
      }),
    );
  };

  const exportStage = async (bullJob: Job<StageJobData['export']>) => {
    const { jobId } = bullJob.data;
    return withCost(ctx, jobId, 'export', () =>
      failFast(async () => {
        const { job } = await loadJob(ctx, jobId);
        const out = ctx.jobDir(jobId, 'out');
        if (existsSync(path.join(out, 'manifest.json'))) return { done: true };
        const work = ctx.jobDir(jobId, 'work');
        const aggregation = JSON.parse(await readFile(path.join(work, 'aggregation.json'), 'utf8')) as JobAggregation;
        const timings = await stageTimings(ctx, jobId);
        const cpu = await jobStore.cpuSeconds(ctx, jobId);
        const prediction = JSON.parse(await readFile(path.join(work, 'prediction', 'prediction.json'), 'utf8')) as { threads: number };
        await publishJob(
          job,
          work,
          aggregation,
          settings,
          { timings: timings.stages, wallSeconds: timings.wall, cpuSeconds: Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 100) / 100, threads: prediction.threads },
          () => {},
        );
        await rm(path.join(work, 'aggregation.json'), { force: true });
        await rm(planFile(work), { force: true });
        await rm(out, { recursive: true, force: true });
        await rename(work, out);
        return { done: true };
      }),
    );
  };

  return { processors: { ingest, prepare, classify, aggregate, export: exportStage }, close: () => models.close() };
}

/** Wall-clock seconds of each stage (first start to last finish of its jobs) and of the job so far. */
async function stageTimings(ctx: ServiceContext, jobId: string): Promise<{ stages: Record<string, number>; wall: number }> {
  const stages: Record<string, number> = {};
  let first = Date.now();
  // The export stage is timing itself (publishJob); the aggregate stage is called "aggregation" as in `sat run`.
  for (const { stage, queue, ids } of stageJobs(jobId, readPlan(ctx.jobDir(jobId, 'work'))?.tiles ?? [])) {
    if (stage === 'export') continue;
    const jobs = (await Promise.all(ids.map((id) => ctx.queue(queue).getJob(id)))).filter((j) => j?.processedOn);
    if (jobs.length === 0) continue;
    const start = Math.min(...jobs.map((j) => j!.processedOn!));
    const end = Math.max(...jobs.map((j) => j!.finishedOn ?? Date.now()));
    stages[stage === 'aggregate' ? 'aggregation' : stage] = Math.round((end - start) / 10) / 100;
    if (stage === 'ingest') first = start;
  }
  return { stages, wall: Math.round((Date.now() - first) / 10) / 100 };
}
