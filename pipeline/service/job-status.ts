import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Job } from 'bullmq';
import { SatError } from '../core/errors.js';
import { JobDir, RESULT_FILES } from '../jobs/job-dir.js';
import { readJobPlan } from '../jobs/job-plan.js';
import { JOB_STAGES } from '../stages/index.js';
import type { StageName } from '../stages/stage.js';
import { jobStore, type StoredJob } from './job-store.js';
import { stageJobId, stageJobs, type QueueName } from './queues.js';
import type { ServiceContext } from './service-context.js';

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StageProgress {
  stage: StageName;
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

/** The tiles of a job while it runs (its plan), none before ingest or after publication. */
function plannedTiles(ctx: ServiceContext, id: string): string[] {
  const work = new JobDir(ctx.jobDir(id, 'work'));
  return existsSync(work.plan) ? readJobPlan(work).tiles : [];
}

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
  const out = new JobDir(ctx.jobDir(id, 'out'));
  const complete = out.isPublished();
  const stages: StageProgress[] = [];
  const reasons: string[] = [];
  for (const { stage, ids } of stageJobs(id, complete ? [] : plannedTiles(ctx, id))) {
    // Once complete, tiles are no longer listed (the plan is gone): every stage is done.
    const s = complete ? { done: 1, failed: 0, reasons: [] } : await states(ctx, stage.name, ids);
    stages.push({ stage: stage.name, done: s.done, total: complete ? 1 : Math.max(ids.length, stage.per === 'tile' ? 0 : 1), failed: s.failed });
    reasons.push(...s.reasons);
  }
  // A failed child fails its parents with a generic message: report the first real reason.
  const reason = reasons.find((r) => !/^child .* failed$/i.test(r)) ?? reasons[0] ?? null;
  const progress = complete ? 1 : stages.reduce((a, s, i) => a + JOB_STAGES[i].weight * (s.total ? s.done / s.total : 0), 0);
  const anyStarted = stages.some((s) => s.done > 0) || (await ctx.queue('ingest').getJob(stageJobId(id, 'ingest')))?.processedOn !== undefined;
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
    results: complete ? RESULT_FILES.filter((r) => existsSync(out.path(r.file))).map((r) => r.name) : [],
  };
}

/**
 * Deletes a finished (completed, failed or cancelled) job: its stage jobs, its artifacts and its record. A job
 * still running must be cancelled first, so no worker writes into a folder being deleted.
 */
export async function purgeJob(ctx: ServiceContext, job: StoredJob, status: JobStatus): Promise<void> {
  if (status.state === 'queued' || status.state === 'running') throw new SatError('E_INPUT', `job ${job.id} is ${status.state}: cancel it first`);
  // Parents first: removing a parent takes its children along.
  for (const { stage, ids } of stageJobs(job.id, plannedTiles(ctx, job.id)).reverse()) {
    for (const id of ids) await ctx.queue(stage.name).remove(id, { removeChildren: true }).catch(() => {});
  }
  await rm(ctx.jobDir(job.id), { recursive: true, force: true });
  await jobStore.remove(ctx, job);
}

/** Cancels a job: no further stage starts (processors check the flag), and waiting stage jobs are removed. */
export async function cancelJob(ctx: ServiceContext, job: StoredJob): Promise<void> {
  await jobStore.markCancelled(ctx, job.id);
  for (const stage of [JOB_STAGES[JOB_STAGES.length - 1], JOB_STAGES[0]]) {
    // The flow's root (the last stage) removes the whole flow; jobs a worker holds are left to fail on the flag.
    await ctx.queue(stage.name).remove(stageJobId(job.id, stage.name), { removeChildren: true }).catch(() => {});
  }
}
