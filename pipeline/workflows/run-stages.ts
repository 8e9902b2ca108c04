import type { Settings } from '../config/settings.js';
import { logger } from '../core/logger.js';
import type { PredictionJob } from '../jobs/open-job.js';
import { TileHandOver } from '../jobs/tile-artifacts.js';
import { Classifiers } from '../model/classifiers.js';
import { inferenceThreadCount } from '../model/inference-threads.js';
import type { BackendPreference } from '../model/runtime.js';
import { runStage, type RunCost, type Stage, type StageContext, type StageName, type TileStage } from '../stages/stage.js';

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/**
 * Runs stages in one process, in order: job stages once; a run of consecutive tile stages as a chain per tile
 * (each tile goes through all of them back to back, the prepared tile handed over in memory, not through its file),
 * several tiles at once so batches fill and every inference thread is busy. The loaded models and the job's open
 * rasters are released at the end. The queued service runs the same stages one BullMQ job at a time.
 */
export async function runStages<J extends PredictionJob>(
  stages: Stage<J>[],
  job: J,
  settings: Settings,
  progress: (stage: StageName, fraction: number, message?: string) => void,
): Promise<void> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const spans = new Map<StageName, { start: number; end: number }>();
  const span = (name: StageName, start: number) => {
    const s = spans.get(name);
    spans.set(name, { start: Math.min(s?.start ?? start, start), end: performance.now() });
  };
  const runCost = async (): Promise<RunCost> => {
    const cpu = process.cpuUsage(cpuStart);
    return {
      stageSeconds: Object.fromEntries([...spans].map(([name, s]) => [name, seconds(s.end - s.start)])),
      wallSeconds: seconds(performance.now() - started),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    };
  };
  const classifiers = new Classifiers(settings, { size: settings.model.batchSize, waitMs: 5 });
  const context = (name: StageName, handOver: TileHandOver | null = null): StageContext => ({ settings, logger, classifiers, runCost, handOver, progress: (f, m) => progress(name, f, m) });
  try {
    for (let i = 0; i < stages.length; ) {
      const stage = stages[i];
      if (stage.per === 'job') {
        const start = performance.now();
        await runStage(stage, job, undefined, context(stage.name));
        span(stage.name, start);
        progress(stage.name, 1);
        i++;
        continue;
      }
      const chain: TileStage<J>[] = [];
      for (; i < stages.length && stages[i].per === 'tile'; i++) chain.push(stages[i] as TileStage<J>);
      const handOver = new TileHandOver();
      await runTileChain(chain, job, settings, (name) => context(name, handOver), span, progress);
    }
  } finally {
    await classifiers.close();
  }
}

async function runTileChain<J extends PredictionJob>(
  chain: TileStage<J>[],
  job: J,
  settings: Settings,
  context: (name: StageName) => StageContext,
  span: (name: StageName, start: number) => void,
  progress: (stage: StageName, fraction: number, message?: string) => void,
): Promise<void> {
  const tiles = job.plan().tiles;
  const done = new Map(chain.map((s) => [s.name, 0]));
  // Enough tiles in flight for a batch on every inference thread plus one waiting, and no more in memory.
  const threads = inferenceThreadCount(settings.model.inferenceThreads, settings.model.backend as BackendPreference);
  const lanes = Math.max(1, settings.model.batchSize * (threads + 1));
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < tiles.length) {
      const tile = tiles[next++];
      for (const stage of chain) {
        const start = performance.now();
        await runStage(stage, job, tile, context(stage.name));
        span(stage.name, start);
        const n = (done.get(stage.name) ?? 0) + 1;
        done.set(stage.name, n);
        progress(stage.name, n / tiles.length, tile);
      }
    }
  };
  const running = Array.from({ length: Math.min(lanes, tiles.length) }, () =>
    lane().catch((err) => {
      failed = true;
      throw err;
    }),
  );
  const results = await Promise.allSettled(running);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
