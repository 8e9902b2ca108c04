import { Worker } from 'bullmq';
import { logger } from '../pipeline/core/logger.js';
import { jobStore } from '../pipeline/service/job-store.js';
import type { QueueName, StageJobData } from '../pipeline/service/queues.js';
import type { ServiceContext } from '../pipeline/service/service-context.js';
import { createProcessors } from './processors.js';

export interface RunningWorkers {
  workers: Worker[];
  /** Graceful: stops taking jobs, lets the running ones finish, then releases models and connections. */
  close(): Promise<void>;
}

/**
 * `sat worker`: one BullMQ Worker per queue asked for, around the stage processors. Locks are renewed every half
 * lockDuration; if this process dies (SIGKILL, power), its jobs' locks lapse and another worker picks them up as
 * stalled — stages are idempotent, so nothing is lost or done twice.
 */
export function runWorkers(ctx: ServiceContext, queues: QueueName[], concurrency: number): RunningWorkers {
  const { processors, close } = createProcessors(ctx);
  const { lockDurationMs, stalledIntervalMs } = ctx.settings.service;
  const workers = queues.map((name) => {
    const worker = new Worker(name, processors[name], {
      connection: ctx.connection,
      prefix: ctx.prefix,
      concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      // A job whose worker died twice is more likely to kill the next one than to succeed.
      maxStalledCount: 2,
    });
    worker.on('failed', (job, err) => {
      logger.warn({ queue: name, job: job?.id, err: err.message }, 'stage job failed');
      // Failed for good (no retry left, bad input, or stalled too often): the job's status shows the reason.
      const data = job?.data as StageJobData | undefined;
      if (job?.finishedOn && data?.jobId && name !== 'schedules') void jobStore.stageFailed(ctx, data.jobId, name, data.tile, err.message).catch(() => {});
    });
    worker.on('error', (err) => logger.error({ queue: name, err: err.message }, 'worker error'));
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await close();
    },
  };
}
