import { UnrecoverableError, type Job as BullJob, type Processor } from 'bullmq';
import { isSatError } from '../pipeline/core/errors.js';
import { logger } from '../pipeline/core/logger.js';
import { openJob, type Job } from '../pipeline/jobs/open-job.js';
import { Classifiers } from '../pipeline/model/classifiers.js';
import { jobStore } from '../pipeline/service/job-store.js';
import type { QueueName, ScheduleJobData, StageJobData } from '../pipeline/service/queues.js';
import { runPeriod, scheduleStore } from '../pipeline/service/schedules.js';
import type { ServiceContext } from '../pipeline/service/service-context.js';
import { addStageFlow, submitJob } from '../pipeline/service/submit-job.js';
import { JOB_STAGES } from '../pipeline/stages/index.js';
import { runStage, type RunCost, type Stage, type StageContext } from '../pipeline/stages/stage.js';

/** A job's record, opened for its stages; refuses cancelled and unknown jobs without retrying. */
async function loadJob(ctx: ServiceContext, jobId: string): Promise<Job> {
  const stored = await jobStore.get(ctx, jobId);
  if (!stored) throw new UnrecoverableError(`job ${jobId} is not known to the service`);
  if (stored.cancelled) throw new UnrecoverableError('cancelled');
  return openJob(stored.spec, stored.specText, { work: ctx.jobDir(jobId, 'work'), out: ctx.jobDir(jobId, 'out') }, ctx.settings);
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

/** A job's cost from what its stage jobs recorded: each stage's first start to last finish, and their CPU seconds. */
async function queuedRunCost(ctx: ServiceContext, id: string): Promise<RunCost> {
  const { spans } = await jobStore.progress(ctx, id);
  const seconds = (ms: number) => Math.round(ms / 10) / 100;
  // (publish times itself)
  const stageSeconds = Object.fromEntries(JOB_STAGES.filter((s) => spans[s.name] && s.name !== 'publish').map((s) => [s.name, seconds(spans[s.name].end - spans[s.name].start)]));
  const first = Math.min(Date.now(), ...Object.values(spans).map((s) => s.start));
  const cpu = await jobStore.cpuSeconds(ctx, id);
  return { stageSeconds, wallSeconds: seconds(Date.now() - first), cpuSeconds: Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 100) / 100 };
}

/**
 * The processor of every stage queue: open the job, run its stage (for one tile of a tile stage), record the CPU
 * seconds; the first stage (ingest) then adds the flow of the others. Stages are idempotent, so a retried or
 * stalled stage job is harmless.
 */
function stageProcessor(ctx: ServiceContext, stage: Stage<Job>, classifiers: Classifiers): Processor<StageJobData> {
  return async (bullJob: BullJob<StageJobData>) => {
    const { jobId, tile } = bullJob.data;
    const cpuStart = process.cpuUsage();
    try {
      await failFast(async () => {
        const job = await loadJob(ctx, jobId);
        const stageCtx: StageContext = {
          settings: ctx.settings,
          logger: logger.child({ job: jobId, stage: stage.name, tile }),
          classifiers,
          progress: (f) => void bullJob.updateProgress(Math.round(f * 100)).catch(() => {}),
          runCost: () => queuedRunCost(ctx, jobId),
          handOver: null, // every stage job may run in another process
        };
        try {
          const start = Date.now();
          // A stage job re-delivered after the job was published has nothing left to do.
          if (!job.isPublished()) {
            await runStage(stage, job, tile, stageCtx);
            if (stage === JOB_STAGES[0]) {
              await jobStore.setTiles(ctx, jobId, job.plan().tiles.length);
              await addStageFlow(ctx, jobId, job.plan().tiles);
            }
          }
          await jobStore.stageDone(ctx, jobId, stage.name, tile, { start, end: Date.now() });
        } finally {
          await job.close();
        }
      });
    } finally {
      const used = process.cpuUsage(cpuStart);
      await jobStore.addCpuSeconds(ctx, jobId, stage.name, (used.user + used.system) / 1e6).catch(() => {});
    }
  };
}

/** The schedules queue: a schedule fired, so submit a run of its job with the period ending on the day it fired. */
function scheduleProcessor(ctx: ServiceContext): Processor<ScheduleJobData> {
  return async (bullJob) => {
    const schedule = await scheduleStore.get(ctx, bullJob.data.scheduleId);
    if (!schedule) throw new UnrecoverableError(`schedule ${bullJob.data.scheduleId} no longer exists`);
    // The iteration's scheduled time (the job is created earlier, when the previous one runs): unique per run.
    const firedAt = (bullJob.opts as { prevMillis?: number }).prevMillis ?? bullJob.timestamp + (bullJob.opts.delay ?? 0);
    const day = new Date(firedAt).toISOString().slice(0, 10);
    const run = await failFast(() => submitJob(ctx, schedule.owner, { period: runPeriod(day, schedule.periodDays), ...schedule.spec }, { id: `${schedule.id}-${firedAt}`, scheduleId: schedule.id }));
    await scheduleStore.addRun(ctx, schedule.id, run.id, firedAt);
    return { run: run.id };
  };
}

/** The processors of every queue, and the models they keep loaded (released by `close`). */
export function createProcessors(ctx: ServiceContext): { processors: Record<QueueName, Processor>; close: () => Promise<void> } {
  const { classifyBatch, classifyBatchWaitMs } = ctx.settings.service;
  const classifiers = new Classifiers(ctx.settings, { size: classifyBatch, waitMs: classifyBatchWaitMs });
  const processors = Object.fromEntries(JOB_STAGES.map((stage) => [stage.name, stageProcessor(ctx, stage, classifiers)])) as Record<QueueName, Processor>;
  processors.schedules = scheduleProcessor(ctx) as Processor;
  return { processors, close: () => classifiers.close() };
}
