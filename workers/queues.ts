import type { JobsOptions } from 'bullmq';

/**
 * The stage queues of the service (UNECE HLG-MOS stages as BullMQ queues). CPU workers take ingest, prepare,
 * aggregate and export; GPU workers take classify, where tiles from any job are batched into one inference call.
 */
export const QUEUES = ['ingest', 'prepare', 'classify', 'aggregate', 'export'] as const;
export type QueueName = (typeof QUEUES)[number];

/** What each stage's jobs carry: ids only; inputs and artifacts live in the job's folder and record. */
export interface StageJobData {
  ingest: { jobId: string } | { scheduleId: string };
  prepare: { jobId: string; tile: string };
  classify: { jobId: string; tile: string };
  aggregate: { jobId: string; step: 'stitch' | 'aggregate' };
  export: { jobId: string };
}

/** BullMQ job ids of a job's stages: deterministic, so re-adding a flow (a retried ingest) adds nothing twice. */
export const stageJobId = {
  ingest: (id: string) => `${id}.ingest`,
  prepare: (id: string, tile: string) => `${id}.prepare.${tile}`,
  classify: (id: string, tile: string) => `${id}.classify.${tile}`,
  stitch: (id: string) => `${id}.stitch`,
  aggregate: (id: string) => `${id}.aggregate`,
  export: (id: string) => `${id}.export`,
};

export type Stage = 'ingest' | 'prepare' | 'classify' | 'stitch' | 'aggregate' | 'export';

/** Every BullMQ job of a job, stage by stage in flow order (children before parents), with its queue. */
export function stageJobs(id: string, tiles: string[]): { stage: Stage; queue: QueueName; ids: string[] }[] {
  return [
    { stage: 'ingest', queue: 'ingest', ids: [stageJobId.ingest(id)] },
    { stage: 'prepare', queue: 'prepare', ids: tiles.map((t) => stageJobId.prepare(id, t)) },
    { stage: 'classify', queue: 'classify', ids: tiles.map((t) => stageJobId.classify(id, t)) },
    { stage: 'stitch', queue: 'aggregate', ids: [stageJobId.stitch(id)] },
    { stage: 'aggregate', queue: 'aggregate', ids: [stageJobId.aggregate(id)] },
    { stage: 'export', queue: 'export', ids: [stageJobId.export(id)] },
  ];
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

export function parseQueueList(list: string): QueueName[] {
  const names = list.split(',').map((q) => q.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(QUEUES as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) throw new Error(`unknown queue(s) ${unknown.join(', ') || '(none given)'}: choose from ${QUEUES.join(', ')}`);
  return names as QueueName[];
}
