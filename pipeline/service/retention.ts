import { logger } from '../core/logger.js';
import { jobStatus, purgeJob } from './job-status.js';
import { jobStore } from './job-store.js';
import type { ServiceContext } from './service-context.js';

/**
 * Deletes finished jobs (completed, failed, cancelled) submitted before `before` (ms since the epoch), with their
 * artifacts, for every token's jobs. Running and queued jobs are kept whatever their age. Returns the purged ids.
 */
export async function purgeExpiredJobs(ctx: ServiceContext, before: number): Promise<string[]> {
  const purged: string[] = [];
  for (const owner of Object.keys(ctx.settings.service.tokens)) {
    const ids = await ctx.redis.zrangebyscore(ctx.key('jobs', owner), '-inf', `(${before}`);
    for (const id of ids) {
      const job = await jobStore.get(ctx, id);
      if (!job) continue;
      const status = await jobStatus(ctx, job);
      if (status.state === 'queued' || status.state === 'running') continue;
      await purgeJob(ctx, job, status);
      purged.push(id);
    }
  }
  if (purged.length) logger.info({ purged: purged.length }, 'retention: finished jobs deleted');
  return purged;
}
