import type { JobSpec } from '../jobs/job-spec.js';
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

  async list(ctx: ServiceContext, owner: string, limit = 100): Promise<string[]> {
    return ctx.redis.zrevrange(ctx.key('jobs', owner), 0, limit - 1);
  },

  async markCancelled(ctx: ServiceContext, id: string): Promise<void> {
    await ctx.redis.hset(ctx.key('job', id), 'cancelled', '1');
  },

  async remove(ctx: ServiceContext, job: StoredJob): Promise<void> {
    await ctx.redis.multi().del(ctx.key('job', job.id), ctx.key('job', job.id, 'cpu')).zrem(ctx.key('jobs', job.owner), job.id).exec();
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
