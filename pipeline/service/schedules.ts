import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { validate } from '../config/load-yaml.js';
import { SatError } from '../core/errors.js';
import { JOB_LAYOUT, JobDir } from '../jobs/job-dir.js';
import type { StatisticsRow } from '../statistics/region-statistics.js';
import { stageJobOptions, type ScheduleJobData } from './queues.js';
import type { ServiceContext } from './service-context.js';
import { withCrossChecks } from '../jobs/job-spec.js';
import { checkSubmittedJob, SubmittedJobFieldsSchema } from './submit-job.js';

/**
 * A recurring run: a job spec and a BullMQ job scheduler. Each run's period is the spec's, else the `periodDays` days
 * ending on the day it fires (default 1: that day) — a STAC source's composite of the last month, say.
 */
export const ScheduleRequestSchema = z
  .object({
    spec: withCrossChecks(SubmittedJobFieldsSchema.extend({ period: SubmittedJobFieldsSchema.shape.period.optional() })),
    /** Milliseconds between runs (at least 1000), or a cron pattern (UTC). */
    every: z.number().int().min(1000).optional(),
    cron: z.string().min(1).optional(),
    periodDays: z.number().int().min(1).max(366).optional(),
  })
  .strict()
  .refine((r) => (r.every === undefined) !== (r.cron === undefined), 'give either every (ms) or cron')
  .refine((r) => r.periodDays === undefined || r.spec.period === undefined, { message: 'give the spec a period or periodDays, not both', path: ['periodDays'] });

/** A run's period: the `periodDays` days ending on the day it fired (YYYY-MM-DD). */
export function runPeriod(day: string, periodDays = 1): string | { start: string; end: string } {
  if (periodDays === 1) return day;
  const start = new Date(Date.parse(`${day}T00:00:00Z`) - (periodDays - 1) * 86_400_000).toISOString().slice(0, 10);
  return { start, end: day };
}

export interface StoredSchedule {
  id: string;
  owner: string;
  /** The job as submitted; each run gets `period` = the periodDays ending on the day it fired unless the spec has one. */
  spec: Record<string, unknown>;
  every: number | null;
  /** Days of each run's period (absent in schedules made before it existed: 1). */
  periodDays?: number;
  cron: string | null;
  created: number;
}

export const scheduleStore = {
  async get(ctx: ServiceContext, id: string): Promise<StoredSchedule | null> {
    const record = await ctx.redis.get(ctx.key('schedule', id));
    return record ? (JSON.parse(record) as StoredSchedule) : null;
  },
  async list(ctx: ServiceContext, owner: string): Promise<StoredSchedule[]> {
    const ids = await ctx.redis.zrange(ctx.key('schedules', owner), '0', '-1');
    return (await Promise.all(ids.map((id) => scheduleStore.get(ctx, id)))).filter((s): s is StoredSchedule => s !== null);
  },
  async addRun(ctx: ServiceContext, scheduleId: string, jobId: string, fired: number): Promise<void> {
    await ctx.redis.zadd(ctx.key('schedule', scheduleId, 'runs'), String(fired), jobId);
  },
  async runs(ctx: ServiceContext, scheduleId: string): Promise<{ jobId: string; fired: number }[]> {
    const flat = await ctx.redis.zrange(ctx.key('schedule', scheduleId, 'runs'), '0', '-1', 'WITHSCORES');
    const out: { jobId: string; fired: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ jobId: flat[i], fired: Number(flat[i + 1]) });
    return out;
  },
};

/** Validates the request (the job's inputs against the policy, now rather than at the first run) and starts the scheduler. */
export async function createSchedule(ctx: ServiceContext, owner: string, body: unknown): Promise<StoredSchedule> {
  const request = validate(ScheduleRequestSchema, body, 'invalid schedule', 'E_CONFIG');
  const { minScheduleIntervalMs, maxSchedulesPerOwner } = ctx.settings.service;
  const interval = request.every ?? shortestCronInterval(request.cron!);
  if (interval < minScheduleIntervalMs) {
    throw new SatError('E_INPUT', `invalid schedule: runs would be ${interval / 1000} s apart, less than the ${minScheduleIntervalMs / 1000} s this service allows (service.minScheduleIntervalMs)`);
  }
  if ((await ctx.redis.zcard(ctx.key('schedules', owner))) >= maxSchedulesPerOwner) {
    throw new SatError('E_INPUT', `invalid schedule: you have ${maxSchedulesPerOwner} schedules, the most one token may have (service.maxSchedulesPerOwner); delete one first`);
  }
  const id = `sched-${randomBytes(4).toString('hex')}`;
  checkSubmittedJob(ctx, { period: '2000-01-01', ...(body as { spec: object }).spec }, id);
  const schedule: StoredSchedule = { id, owner, spec: (body as { spec: Record<string, unknown> }).spec, every: request.every ?? null, cron: request.cron ?? null, periodDays: request.periodDays ?? 1, created: Date.now() };
  await ctx.redis.multi().set(ctx.key('schedule', id), JSON.stringify(schedule)).zadd(ctx.key('schedules', owner), String(schedule.created), id).exec();
  const { attempts, backoffMs } = ctx.settings.service;
  try {
    await ctx.queue('schedules').upsertJobScheduler(id, schedule.every !== null ? { every: schedule.every } : { pattern: schedule.cron!, tz: 'UTC' }, {
      name: 'scheduled-run',
      data: { scheduleId: id } satisfies ScheduleJobData,
      opts: stageJobOptions(attempts, backoffMs),
    });
  } catch (err) {
    await deleteSchedule(ctx, schedule);
    throw new SatError('E_INPUT', `invalid schedule: ${(err as Error).message}`);
  }
  return schedule;
}

/** The shortest time between two firings of a cron pattern (UTC) over its next 100 firings; invalid patterns are refused. */
function shortestCronInterval(pattern: string): number {
  let firings: number[];
  try {
    const it = CronExpressionParser.parse(pattern, { tz: 'UTC' });
    firings = Array.from({ length: 100 }, () => it.next().getTime());
  } catch (err) {
    throw new SatError('E_INPUT', `invalid schedule: cron '${pattern}': ${(err as Error).message}`);
  }
  return Math.min(...firings.slice(1).map((t, i) => t - firings[i]));
}

export async function deleteSchedule(ctx: ServiceContext, schedule: StoredSchedule): Promise<void> {
  await ctx.queue('schedules').removeJobScheduler(schedule.id);
  await ctx.redis.multi().del(ctx.key('schedule', schedule.id)).zrem(ctx.key('schedules', schedule.owner), schedule.id).exec();
}

/** One point of a time series: a statistics cell of one run. */
export interface SeriesPoint {
  jobId: string;
  fired: string;
  period: string;
  row: StatisticsRow;
}

/** The statistics of a schedule's finished runs, in firing order, optionally for one region / indicator / class. */
export async function timeSeries(ctx: ServiceContext, schedule: StoredSchedule, filter: { region?: string; indicator?: string; class?: string }): Promise<SeriesPoint[]> {
  const points: SeriesPoint[] = [];
  for (const run of await scheduleStore.runs(ctx, schedule.id)) {
    const out = new JobDir(ctx.jobDir(run.jobId, 'out'));
    if (!out.isPublished()) continue; // not finished (or failed)
    const file = out.path(JOB_LAYOUT.statistics.json);
    const manifest = JSON.parse(readFileSync(out.manifest, 'utf8')) as { job: { period: { start: string; end: string } } };
    const period = manifest.job.period.start === manifest.job.period.end ? manifest.job.period.start : `${manifest.job.period.start}/${manifest.job.period.end}`;
    for (const row of JSON.parse(readFileSync(file, 'utf8')) as StatisticsRow[]) {
      if (filter.region !== undefined && row.region !== filter.region) continue;
      if (filter.indicator !== undefined && row.indicator !== filter.indicator) continue;
      if (filter.class !== undefined && row.class_name !== filter.class && String(row.class) !== filter.class) continue;
      points.push({ jobId: run.jobId, fired: new Date(run.fired).toISOString(), period, row });
    }
  }
  return points;
}
