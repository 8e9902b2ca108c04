import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SatError } from '../core/errors.js';
import type { Job } from 'bullmq';
import { stageJobId, stageJobs, type QueueName, type Stage } from '../../workers/queues.js';
import { readPlan } from './tile-artifacts.js';
import { jobStore, type StoredJob } from './job-store.js';
import type { ServiceContext } from './service-context.js';

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StageProgress {
  stage: Stage;
  done: number;
  total: number;
  failed: number;
}

export interface JobStatus {
  id: string;
  name: string;
  state: JobState;
  /** 0..1, rolled up from the stages (tiles weigh by how many are done). */
  progress: number;
  stages: StageProgress[];
  /** The reason of the first failed stage job, e.g. a corrupt input. */
  error: string | null;
  submitted: string;
  scheduleId: string | null;
  /** Result files, once complete. */
  results: string[];
}

/** Stage weights in the overall progress: classification dominates the work. */
const WEIGHTS: Record<StageProgress['stage'], number> = { ingest: 0.05, prepare: 0.2, classify: 0.5, stitch: 0.1, aggregate: 0.05, export: 0.1 };

/** Files a job's owner can download, by the name the API uses; nothing else in the job folder is reachable. */
export const RESULT_FILES: Record<string, { file: string; type: string }> = {
  'statistics.csv': { file: 'statistics/regions.csv', type: 'text/csv' },
  'statistics.json': { file: 'statistics/regions.json', type: 'application/json' },
  'regions.geojson': { file: 'statistics/regions.geojson', type: 'application/geo+json' },
  'sdmx.csv': { file: 'statistics/sdmx.csv', type: 'application/vnd.sdmx.data+csv; version=2.0.0' },
  'assessment.json': { file: 'statistics/assessment.json', type: 'application/json' },
  'classes.tif': { file: 'prediction/classes.tif', type: 'image/tiff; application=geotiff' },
  'confidence.tif': { file: 'prediction/confidence.tif', type: 'image/tiff; application=geotiff' },
  'quicklook.png': { file: 'prediction/quicklook.png', type: 'image/png' },
  'report.html': { file: 'report.html', type: 'text/html; charset=utf-8' },
  'stac-item.json': { file: 'stac-item.json', type: 'application/geo+json' },
  'manifest.json': { file: 'manifest.json', type: 'application/json' },
};

async function states(ctx: ServiceContext, queue: QueueName, ids: string[]): Promise<{ done: number; failed: number; reasons: string[] }> {
  const jobs = (await Promise.all(ids.map((id) => ctx.queue(queue).getJob(id)))) as (Job | undefined)[];
  let done = 0;
  let failed = 0;
  const reasons: string[] = [];
  for (const j of jobs) {
    if (!j) continue;
    if (j.finishedOn && !j.failedReason) done++;
    else if (j.failedReason && j.finishedOn) {
      // finishedOn with a reason: failed for good (a retry pending has no finishedOn).
      failed++;
      reasons.push(j.failedReason);
    }
  }
  return { done, failed, reasons };
}

/** A job's state, per-stage progress and error, from its BullMQ stage jobs. */
export async function jobStatus(ctx: ServiceContext, job: StoredJob): Promise<JobStatus> {
  const id = job.id;
  const complete = existsSync(path.join(ctx.jobDir(id, 'out'), 'manifest.json'));
  const stages: StageProgress[] = [];
  const reasons: string[] = [];
  for (const { stage, queue, ids } of stageJobs(id, readPlan(ctx.jobDir(id, 'work'))?.tiles ?? [])) {
    // Once complete, tiles are no longer listed (plan.json moved): every stage is done.
    const s = complete ? { done: 1, failed: 0, reasons: [] } : await states(ctx, queue, ids);
    stages.push({ stage, done: s.done, total: complete ? 1 : Math.max(ids.length, stage === 'prepare' || stage === 'classify' ? 0 : 1), failed: s.failed });
    reasons.push(...s.reasons);
  }
  // A failed child fails its parents with a generic message: report the first real reason.
  const reason = reasons.find((r) => !/^child .* failed$/i.test(r)) ?? reasons[0] ?? null;
  const progress = complete ? 1 : stages.reduce((a, s) => a + WEIGHTS[s.stage] * (s.total ? s.done / s.total : 0), 0);
  const anyStarted = stages.some((s) => s.done > 0) || (await ctx.queue('ingest').getJob(stageJobId.ingest(id)))?.processedOn !== undefined;
  const state: JobState = job.cancelled ? 'cancelled' : complete ? 'completed' : reason ? 'failed' : anyStarted ? 'running' : 'queued';
  return {
    id,
    name: job.name,
    state,
    progress: Math.round(progress * 1000) / 1000,
    stages,
    error: state === 'failed' || state === 'cancelled' ? (reason ?? (job.cancelled ? 'cancelled' : null)) : null,
    submitted: new Date(job.submitted).toISOString(),
    scheduleId: job.scheduleId,
    results: complete ? Object.keys(RESULT_FILES).filter((k) => existsSync(path.join(ctx.jobDir(id, 'out'), RESULT_FILES[k].file))) : [],
  };
}

/**
 * Deletes a finished (completed, failed or cancelled) job: its stage jobs, its artifacts and its record. A job
 * still running must be cancelled first, so no worker writes into a folder being deleted.
 */
export async function purgeJob(ctx: ServiceContext, job: StoredJob, status: JobStatus): Promise<void> {
  if (status.state === 'queued' || status.state === 'running') throw new SatError('E_INPUT', `job ${job.id} is ${status.state}: cancel it first`);
  // Parents first: removing a parent takes its children along.
  for (const { queue, ids } of stageJobs(job.id, readPlan(ctx.jobDir(job.id, 'work'))?.tiles ?? []).reverse()) {
    for (const id of ids) await ctx.queue(queue).remove(id, { removeChildren: true }).catch(() => {});
  }
  await rm(ctx.jobDir(job.id), { recursive: true, force: true });
  await jobStore.remove(ctx, job);
}

/** Cancels a job: no further stage starts (processors check the flag), and waiting stage jobs are removed. */
export async function cancelJob(ctx: ServiceContext, job: StoredJob): Promise<void> {
  await jobStore.markCancelled(ctx, job.id);
  for (const [queue, id] of [['export', stageJobId.export(job.id)], ['ingest', stageJobId.ingest(job.id)]] as const) {
    // The root removes its whole flow; jobs a worker holds are left to fail on the flag.
    await ctx.queue(queue).remove(id, { removeChildren: true }).catch(() => {});
  }
}
