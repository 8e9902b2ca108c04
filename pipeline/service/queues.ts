import type { FlowJob, JobsOptions } from 'bullmq';
import { JOB_STAGES } from '../stages/index.js';
import type { Stage, StageName } from '../stages/stage.js';

/**
 * The service's queues: one per stage of a job (JOB_STAGES, in pipeline order), and one where schedules fire.
 * CPU workers take every queue but those of stages that run a model; GPU workers take those (classify), where
 * tiles from any job are batched into one inference call.
 */
export const QUEUES = [...JOB_STAGES.map((s) => s.name), 'schedules'] as const;
export type QueueName = StageName | 'schedules';

/** Named groups of queues for `sat worker --queues`. */
export const QUEUE_GROUPS: Record<string, readonly QueueName[]> = {
  all: QUEUES,
  model: JOB_STAGES.filter((s) => s.usesModel).map((s) => s.name),
  cpu: QUEUES.filter((q) => !JOB_STAGES.some((s) => s.name === q && s.usesModel)),
};

/** What every stage job carries: ids only; inputs and artifacts live in the job's folder and record. */
export interface StageJobData {
  jobId: string;
  /** For tile stages: the tile. */
  tile?: string;
}

/** What a schedule's job carries when it fires. */
export interface ScheduleJobData {
  scheduleId: string;
}

/** BullMQ job id of a stage job: deterministic, so re-adding a flow (a retried ingest) adds nothing twice. */
export const stageJobId = (jobId: string, stage: StageName, tile?: string) => (tile === undefined ? `${jobId}.${stage}` : `${jobId}.${stage}.${tile}`);

/** Every BullMQ job of a job, stage by stage in pipeline order, with its queue (= the stage's name). */
export function stageJobs(jobId: string, tiles: readonly string[]): { stage: Stage; ids: string[] }[] {
  return JOB_STAGES.map((stage) => ({ stage, ids: stage.per === 'tile' ? tiles.map((t) => stageJobId(jobId, stage.name, t)) : [stageJobId(jobId, stage.name)] }));
}

/** Retries with exponential backoff; finished jobs kept for status and time series, failures with their reason. */
export function stageJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 30 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

/** Queue names (and group names) from a comma-separated list. */
export function parseQueueList(list: string): QueueName[] {
  const names = list.split(',').map((q) => q.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(QUEUES as readonly string[]).includes(n) && !(n in QUEUE_GROUPS));
  if (unknown.length || names.length === 0) {
    throw new Error(`unknown queue(s) ${unknown.join(', ') || '(none given)'}: choose from ${QUEUES.join(', ')} or the groups ${Object.keys(QUEUE_GROUPS).join(', ')}`);
  }
  return [...new Set(names.flatMap((n) => (n in QUEUE_GROUPS ? QUEUE_GROUPS[n] : [n as QueueName])))];
}

/**
 * The BullMQ flow of a job's stages after the first (ingest, which fixes the tiles and then adds this flow), built
 * from JOB_STAGES: consecutive tile stages chain per tile (classify(tile) ← prepare(tile)); the next job stage
 * waits for every tile chain; later job stages wait for the one before. Children run before their parent; a
 * failing child fails its parents, so the job fails with its reason.
 */
export function stageFlow(jobId: string, tiles: readonly string[], attempts: number, backoffMs: number): FlowJob {
  const [, ...rest] = JOB_STAGES;
  const node = (stage: Stage, tile: string | undefined, children: FlowJob[]): FlowJob => ({
    name: stage.name,
    queueName: stage.name,
    data: (tile === undefined ? { jobId } : { jobId, tile }) satisfies StageJobData,
    opts: { ...stageJobOptions(attempts, backoffMs), jobId: stageJobId(jobId, stage.name, tile), failParentOnFailure: true },
    children,
  });
  let below: FlowJob[] = [];
  let perTile = false;
  for (const stage of rest) {
    if (stage.per === 'tile') {
      if (!perTile && below.length > 0) throw new Error(`tile stage ${stage.name} after a job stage other than the first: a flow cannot fan out there`);
      below = tiles.map((t, i) => node(stage, t, perTile ? [below[i]] : []));
      perTile = true;
    } else {
      below = [node(stage, undefined, below)];
      perTile = false;
    }
  }
  if (below.length !== 1 || perTile) throw new Error('the last stage of a job must be a job stage');
  return below[0];
}
