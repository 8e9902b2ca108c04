import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FlowProducer } from 'bullmq';
import { z } from 'zod';
import { validate } from '../config/load-yaml.js';
import { JobFieldsSchema, withCrossChecks, type JobSpec } from '../jobs/job-spec.js';
import { applyInputPolicy } from './input-policy.js';
import { jobStore, type StoredJob } from './job-store.js';
import { stageFlow, stageJobId, stageJobOptions } from './queues.js';
import type { ServiceContext } from './service-context.js';

/** A GeoJSON document given inline (checked as an AOI when the job is ingested, like an AOI file). */
const InlineGeoJsonSchema = z.looseObject({ type: z.enum(['FeatureCollection', 'Feature', 'Polygon', 'MultiPolygon']) });

/**
 * A job as the API takes it: the job spec without `out` (the service decides where results go). The AOI may also be
 * GeoJSON inline (an area drawn in the web app): it is kept in the job's folder, outside the data roots.
 */
export const SubmittedJobFieldsSchema = JobFieldsSchema.omit({ out: true }).extend({ aoi: z.union([z.string(), InlineGeoJsonSchema]).optional() });
export const SubmittedJobSchema = withCrossChecks(SubmittedJobFieldsSchema);
export type SubmittedJob = z.infer<typeof SubmittedJobSchema>;

/** Where a job's inline AOI is kept. */
const inlineAoiFile = (ctx: ServiceContext, id: string) => path.join(ctx.jobDir(id), 'aoi.geojson');

/** Validates a submitted spec and applies the input policy; errors name the field. */
export function checkSubmittedJob(ctx: ServiceContext, value: unknown, id: string): { spec: JobSpec; specText: string; inlineAoi: object | null } {
  const { aoi, ...parsed } = validate(SubmittedJobSchema, value, 'invalid job', 'E_CONFIG');
  const policy = { dataRoots: ctx.dataRoots, allowedHosts: ctx.settings.service.allowedHosts };
  const inlineAoi = typeof aoi === 'object' ? aoi : null;
  const spec = applyInputPolicy({ ...parsed, aoi: typeof aoi === 'string' ? aoi : undefined, out: ctx.jobDir(id, 'out') }, policy);
  return { spec: inlineAoi ? { ...spec, aoi: inlineAoiFile(ctx, id) } : spec, specText: JSON.stringify(value), inlineAoi };
}

export function newJobId(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
}

/** Records a job and queues its first stage (ingest). Returns the job's id. */
export async function submitJob(ctx: ServiceContext, owner: string, value: unknown, options: { id?: string; scheduleId?: string } = {}): Promise<StoredJob> {
  const name = typeof value === 'object' && value && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : 'job';
  const id = options.id ?? newJobId(name);
  // A schedule's iteration retried after a stall submits the same run again: keep the first.
  const existing = options.id ? await jobStore.get(ctx, options.id) : null;
  if (existing) return existing;
  const { spec, specText, inlineAoi } = checkSubmittedJob(ctx, value, id);
  if (inlineAoi) {
    mkdirSync(ctx.jobDir(id), { recursive: true });
    writeFileSync(inlineAoiFile(ctx, id), JSON.stringify(inlineAoi));
  }
  const job: StoredJob = { id, owner, name: spec.name, spec, specText, submitted: Date.now(), scheduleId: options.scheduleId ?? null, cancelled: false };
  await jobStore.save(ctx, job);
  const { attempts, backoffMs } = ctx.settings.service;
  await ctx.queue('ingest').add('ingest', { jobId: id }, { ...stageJobOptions(attempts, backoffMs), jobId: stageJobId(id, 'ingest') });
  return job;
}

/** Adds the flow of a job's stages after ingest (a no-op if it was added before: ids are deterministic). */
export async function addStageFlow(ctx: ServiceContext, jobId: string, tiles: readonly string[]): Promise<void> {
  const { attempts, backoffMs } = ctx.settings.service;
  const producer = new FlowProducer({ connection: ctx.connection, prefix: ctx.prefix });
  try {
    await producer.add(stageFlow(jobId, tiles, attempts, backoffMs));
  } finally {
    await producer.close();
  }
}
