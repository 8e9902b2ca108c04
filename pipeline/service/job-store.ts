import type { JobSpec } from '../jobs/job-spec.js';
import { JOB_STAGES } from '../stages/index.js';
import type { ServiceContext } from './service-context.js';

/** A submitted job as the service keeps it: who submitted it, the resolved spec, and where it came from. */
export interface StoredJob {
  id: string;
  owner: string;
  name: string;
  /** The spec with its inputs resolved inside the data roots, and `out` the job's folder. */
  spec: JobSpec;
  /** The spec as submitted (canonical JSON): its hash goes into the manifest. */
  specText: string;
  submitted: number;
  scheduleId: string | null;
  cancelled: boolean;
}

/**
 * Our records beside BullMQ's: BullMQ holds the stage jobs and their states; a job's own record (hash) and each
 * owner's list (sorted set by submission time) are what the API lists and authorises against.
 */
export const jobStore = {
  async save(ctx: ServiceContext, job: StoredJob): Promise<void> {
    await ctx.redis
      .multi()
      .hset(ctx.key('job', job.id), { record: JSON.stringify(job) })
      .zadd(ctx.key('jobs', job.owner), String(job.submitted), job.id)
      .exec();
  },

  async get(ctx: ServiceContext, id: string): Promise<StoredJob | null> {
    const [record, cancelled] = await ctx.redis.hmget(ctx.key('job', id), 'record', 'cancelled');
    if (!record) return null;
    return { ...(JSON.parse(record) as StoredJob), cancelled: cancelled === '1' };
  },

  /** An owner's jobs, newest first: `limit` from `offset`, and how many there are. */
  async list(ctx: ServiceContext, owner: string, offset = 0, limit = 100): Promise<{ ids: string[]; total: number }> {
    const [ids, total] = await Promise.all([ctx.redis.zrevrange(ctx.key('jobs', owner), offset, offset + limit - 1), ctx.redis.zcard(ctx.key('jobs', owner))]);
    return { ids, total };
  },

  async markCancelled(ctx: ServiceContext, id: string): Promise<void> {
    await ctx.redis.hset(ctx.key('job', id), 'cancelled', '1');
  },

  async remove(ctx: ServiceContext, job: StoredJob): Promise<void> {
    const keys = [ctx.key('job', job.id), ...['cpu', 'started', 'finished', 'failed'].map((k) => ctx.key('job', job.id, k))];
    keys.push(...JOB_STAGES.flatMap((s) => [ctx.key('job', job.id, 'done', s.name), ctx.key('job', job.id, 'failed', s.name)]));
    await ctx.redis.multi().del(...keys).zrem(ctx.key('jobs', job.owner), job.id).exec();
  },

  /** The number of tiles ingest planned (status needs the count, never the plan). */
  async setTiles(ctx: ServiceContext, id: string, tiles: number): Promise<void> {
    await ctx.redis.hset(ctx.key('job', id), 'tiles', String(tiles));
  },

  /**
   * A stage job (a tile of a tile stage) finished: it joins its stage's set (a re-run adds nothing), and the stage's
   * first start and last finish are kept (ZADD LT/GT), for progress and stage timings without asking BullMQ per job.
   */
  async stageDone(ctx: ServiceContext, id: string, stage: string, tile: string | undefined, span: { start: number; end: number }): Promise<void> {
    await ctx.redis
      .multi()
      .sadd(ctx.key('job', id, 'done', stage), tile ?? '-')
      .zadd(ctx.key('job', id, 'started'), 'LT', String(span.start), stage)
      .zadd(ctx.key('job', id, 'finished'), 'GT', String(span.end), stage)
      .exec();
  },

  /** A stage job failed for good: counted, and the first reason of its stage kept. */
  async stageFailed(ctx: ServiceContext, id: string, stage: string, tile: string | undefined, reason: string): Promise<void> {
    await ctx.redis.multi().sadd(ctx.key('job', id, 'failed', stage), tile ?? '-').hsetnx(ctx.key('job', id, 'failed'), stage, reason).exec();
  },

  /** Per stage: jobs done and failed, the first failure reasons, the planned tiles, and the stages' spans (ms). */
  async progress(ctx: ServiceContext, id: string): Promise<{ done: Record<string, number>; failed: Record<string, number>; reasons: Record<string, string>; tiles: number; spans: Record<string, { start: number; end: number }> }> {
    const m = ctx.redis.multi();
    for (const s of JOB_STAGES) m.scard(ctx.key('job', id, 'done', s.name)).scard(ctx.key('job', id, 'failed', s.name));
    m.hgetall(ctx.key('job', id, 'failed')).hget(ctx.key('job', id), 'tiles');
    m.zrange(ctx.key('job', id, 'started'), '0', '-1', 'WITHSCORES').zrange(ctx.key('job', id, 'finished'), '0', '-1', 'WITHSCORES');
    const results = ((await m.exec()) ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const done: Record<string, number> = {};
    const failed: Record<string, number> = {};
    JOB_STAGES.forEach((s, i) => {
      done[s.name] = Number(results[2 * i]);
      failed[s.name] = Number(results[2 * i + 1]);
    });
    const k = 2 * JOB_STAGES.length;
    const scores = (flat: string[]) => new Map(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, Number(flat[i + 1])] as const] : [])));
    const starts = scores(results[k + 2] as string[]);
    const ends = scores(results[k + 3] as string[]);
    const spans = Object.fromEntries([...starts].map(([stage, start]) => [stage, { start, end: ends.get(stage) ?? start }]));
    return { done, failed, reasons: (results[k] as Record<string, string>) ?? {}, tiles: Number(results[k + 1] ?? 0), spans };
  },

  /** CPU seconds spent on a job, summed over every stage job that ran it (its cost). */
  async addCpuSeconds(ctx: ServiceContext, id: string, stage: string, seconds: number): Promise<void> {
    await ctx.redis.hincrbyfloat(ctx.key('job', id, 'cpu'), stage, seconds);
  },

  async cpuSeconds(ctx: ServiceContext, id: string): Promise<Record<string, number>> {
    const raw = await ctx.redis.hgetall(ctx.key('job', id, 'cpu'));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  },
};
