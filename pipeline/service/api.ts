import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isSatError, SatError } from '../core/errors.js';
import { csvField } from '../export/csv-field.js';
import { readInputFile } from '../core/read-input.js';
import { crsFromEpsg, WGS84 } from '../geo/crs.js';
import { readGeoJsonBytes } from '../geo/read-geojson.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';
import { JobDir, RESULT_FILES, resultFile } from '../jobs/job-dir.js';
import { sdmxMapping, statisticsToSdmxCsv } from '../export/statistics-sdmx.js';
import { STATISTICS_COLUMNS } from '../statistics/region-statistics.js';
import { inputCatalog } from './input-catalog.js';
import { cancelJob, jobStatus, publicReason, purgeJob } from './job-status.js';
import { jobStore } from './job-store.js';
import { openApiDocument } from './openapi.js';
import { createSchedule, deleteSchedule, scheduleStore, timeSeries } from './schedules.js';
import type { ServiceContext } from './service-context.js';
import { submitJob, SubmittedJobSchema } from './submit-job.js';
import { registerWebApp } from './web-app.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the token the request came with. */
    owner: string;
  }
}

/** A non-negative integer query parameter, or its default. */
function pageNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new SatError('E_INPUT', `${name} must be a non-negative integer`);
  return Number(value);
}

/** Errors of a Redis command made while Redis is unreachable (ioredis, fail-fast connection). */
function isRedisUnavailable(err: Error): boolean {
  return /enableOfflineQueue|Connection is closed|ECONNREFUSED|MaxRetriesPerRequest|Reached the max retries|ETIMEDOUT|EPIPE/i.test(`${err.name} ${err.message}`);
}

/**
 * The one `bytes=` range of a Range header on a file of `size` bytes, inclusive; null for none or several (the whole
 * file is sent then, as RFC 9110 allows), 'unsatisfiable' for a range that starts past the end.
 */
function byteRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const [start, end] = match[1] === '' ? [Math.max(0, size - Number(match[2])), size - 1] : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bearer token → its name. Both sides are hashed first, so every comparison is of equal length and constant time,
 * and every token is compared (no early exit that would tell how far down the list a match was).
 */
function ownerOf(tokens: Record<string, string>, header: string | undefined): string | null {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return null;
  const given = sha256(match[1]);
  let owner: string | null = null;
  for (const [name, token] of Object.entries(tokens)) {
    if (timingSafeEqual(sha256(token), given) && owner === null) owner = name;
  }
  return owner;
}

/**
 * `sat serve`: the HTTP API over the queues (fastify). Every route but /health needs a bearer token; jobs and
 * schedules belong to the token that created them, and another token gets 404 for them. Results are downloaded by
 * name from a fixed list, never by path. Request bodies are limited in size and validated by the job schema.
 */
export async function buildApi(ctx: ServiceContext): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: ctx.settings.service.bodyLimitKB * 1024, logger: false });
  app.decorateRequest('owner', '');

  await ctx.ready();
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (isSatError(err)) return reply.code(err.code === 'E_NOT_FOUND' ? 404 : 400).send({ error: err.message });
    if (ctx.redis.status !== 'ready' || isRedisUnavailable(err)) return reply.code(503).header('retry-after', '5').send({ error: 'the job store (Redis) is unavailable; try again shortly' });
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    return reply.code(500).send({ error: 'internal error' });
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // Answers carry one user's data: never kept by a shared cache.
    if (req.url !== '/health') reply.header('cache-control', 'no-store');
    // Result files (the HTML report above all) are shown as documents of their own: no script, nothing fetched.
    if (req.url.includes('/results/')) reply.header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox");
  });

  const webApp = registerWebApp(app);

  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/health' || webApp.isPublic(req.url)) return;
    const owner = ownerOf(ctx.settings.service.tokens, req.headers.authorization);
    if (!owner) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid bearer token is required' });
    req.owner = owner;
  });

  /** The caller's own record, or a 404 (also for other owners' records: their existence is not revealed). */
  const own = <T extends { owner: string }>(kind: string, lookup: (id: string) => Promise<T | null>) => async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const record = await lookup(req.params.id);
    if (record && record.owner === req.owner) return record;
    reply.code(404).send({ error: `no ${kind} ${req.params.id}` });
    return null;
  };
  const ownJob = own('job', (id) => jobStore.get(ctx, id));
  const ownSchedule = own('schedule', (id) => scheduleStore.get(ctx, id));

  app.get('/health', async (_req, reply) => {
    const ok = await ctx.redis.ping().then((r) => r === 'PONG', () => false);
    return reply.code(ok ? 200 : 503).send({ ok });
  });
  app.get('/openapi.json', async () => openApiDocument());

  app.post('/jobs', async (req, reply) => {
    const job = await submitJob(ctx, req.owner, req.body);
    return reply.code(201).send(await jobStatus(ctx, job));
  });
  app.get<{ Querystring: { offset?: string; limit?: string } }>('/jobs', async (req, reply) => {
    const offset = pageNumber(req.query.offset, 0, 'offset');
    const limit = Math.min(pageNumber(req.query.limit, 100, 'limit'), 1000);
    const { ids, total } = await jobStore.list(ctx, req.owner, offset, limit);
    const jobs = (await Promise.all(ids.map((id) => jobStore.get(ctx, id)))).filter((j) => j !== null);
    // Newest first; X-Total-Count and a Link to the next page when there is one.
    reply.header('x-total-count', String(total));
    if (offset + ids.length < total) reply.header('link', `</jobs?offset=${offset + ids.length}&limit=${limit}>; rel="next"`);
    return Promise.all(jobs.map((j) => jobStatus(ctx, j)));
  });
  app.get<{ Params: { id: string } }>('/jobs/:id', async (req, reply) => {
    const job = await ownJob(req, reply);
    return job && jobStatus(ctx, job);
  });
  app.delete<{ Params: { id: string }; Querystring: { purge?: string } }>('/jobs/:id', async (req, reply) => {
    const job = await ownJob(req, reply);
    if (!job) return;
    const status = await jobStatus(ctx, job);
    if (req.query.purge === 'true') {
      await purgeJob(ctx, job, status);
      return reply.code(204).send();
    }
    // Cancelling a finished job would change nothing but its label: its results stay what they are.
    if (status.state !== 'queued' && status.state !== 'running') return reply.code(409).send({ error: `job ${job.id} is ${status.state}: nothing to cancel (?purge=true deletes it)` });
    await cancelJob(ctx, job);
    return jobStatus(ctx, { ...job, cancelled: true });
  });
  app.get<{ Params: { id: string; name: string } }>('/jobs/:id/results/:name', async (req, reply) => {
    const job = await ownJob(req, reply);
    if (!job) return;
    const result = resultFile(req.params.name);
    if (!result) return reply.code(404).send({ error: `no result named ${req.params.name}; results: ${RESULT_FILES.map((r) => r.name).join(', ')}` });
    const out = new JobDir(ctx.jobDir(job.id, 'out'));
    const file = out.path(result.file);
    if (!out.isPublished()) return reply.code(409).send({ error: `job ${job.id} has not completed` });
    if (!existsSync(file)) return reply.code(404).send({ error: `job ${job.id} has no ${req.params.name}` });
    // Ranges, so a map reads only the parts of a COG it shows.
    const size = statSync(file).size;
    const range = byteRange(req.headers.range, size);
    if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send({ error: `the range is past the end of the file (${size} bytes)` });
    reply.type(result.type).header('content-disposition', `attachment; filename="${job.id}-${req.params.name}"`).header('accept-ranges', 'bytes');
    if (range === null) return reply.header('content-length', size).send(createReadStream(file));
    const [start, end] = range;
    return reply
      .code(206)
      .header('content-range', `bytes ${start}-${end}/${size}`)
      .header('content-length', end - start + 1)
      .send(createReadStream(file, { start, end }));
  });

  // What the web app's job form offers: the inputs in the data roots, a boundary set's regions, a CRS's definition.
  app.get('/inputs', async () => inputCatalog(ctx.dataRoots));
  app.get<{ Querystring: { file?: string } }>('/inputs/boundaries', async (req, reply) => {
    const file = req.query.file ?? '';
    // Only files the catalog lists: inside a root, no symbolic link on the way.
    if (!inputCatalog(ctx.dataRoots).vectors.includes(file)) return reply.code(404).send({ error: `no GeoJSON file ${file} in the data roots` });
    const { regionsFileMB, maxRegions } = ctx.settings.limits;
    try {
      const bytes = readInputFile(path.resolve(ctx.dataRoots[0], file), { maxBytes: Math.floor(regionsFileMB * 1024 * 1024), what: 'boundary file', setting: 'limits.regionsFileMB' });
      const layer = readGeoJsonBytes(bytes, file, { maxFeatures: maxRegions, what: 'boundary file', featuresSetting: 'limits.maxRegions' });
      // Lon/lat (RFC 7946), as a web map takes GeoJSON.
      return reply.type('application/geo+json').send({
        type: 'FeatureCollection',
        features: layer.features.map((f) => ({ type: 'Feature', properties: f.properties, geometry: reprojectGeometry(f.geometry, layer.crs, WGS84) })),
      });
    } catch (err) {
      if (isSatError(err)) throw new SatError(err.code, publicReason(ctx, err.message) ?? err.message);
      throw err;
    }
  });
  app.get<{ Params: { code: string } }>('/crs/:code', async (req, reply) => {
    if (!/^\d{4,6}$/.test(req.params.code)) return reply.code(400).send({ error: 'an EPSG code is 4 to 6 digits' });
    const crs = crsFromEpsg(Number(req.params.code));
    return { epsg: crs.epsg, name: crs.name ?? null, proj4: crs.proj4 };
  });

  app.post('/schedules', async (req, reply) => reply.code(201).send(await createSchedule(ctx, req.owner, req.body)));
  app.get('/schedules', async (req) => scheduleStore.list(ctx, req.owner));
  app.delete<{ Params: { id: string } }>('/schedules/:id', async (req, reply) => {
    const schedule = await ownSchedule(req, reply);
    if (!schedule) return;
    await deleteSchedule(ctx, schedule);
    return reply.code(204).send();
  });
  app.get<{ Params: { id: string }; Querystring: { region?: string; indicator?: string; class?: string; format?: string } }>('/schedules/:id/series', async (req, reply) => {
    const schedule = await ownSchedule(req, reply);
    if (!schedule) return;
    const { format = 'json', ...filter } = req.query;
    const points = await timeSeries(ctx, schedule, filter);
    if (format === 'json') return points.map((p) => ({ job: p.jobId, fired: p.fired, period: p.period, ...p.row }));
    if (format === 'csv') {
      const head = ['job', 'fired', 'period', ...STATISTICS_COLUMNS];
      const lines = points.map((p) => [p.jobId, p.fired, p.period, ...STATISTICS_COLUMNS.map((k) => p.row[k])].map(csvField).join(','));
      return reply.type('text/csv').send(`${[head.join(','), ...lines].join('\r\n')}\r\n`);
    }
    if (format === 'sdmx') {
      const spec = SubmittedJobSchema.parse({ period: '2000-01-01', ...schedule.spec });
      // Runs of one day share a period: then each observation is dated by its run's firing time.
      const periods = points.map((p) => p.period);
      const unique = new Set(periods).size === new Set(points.map((p) => p.jobId)).size;
      const byRun = new Map<string, typeof points>();
      for (const p of points) byRun.set(p.jobId, [...(byRun.get(p.jobId) ?? []), p]);
      const parts = [...byRun.values()].map((run, k) => {
        const manifest = JSON.parse(readFileSync(new JobDir(ctx.jobDir(run[0].jobId, 'out')).manifest, 'utf8')) as { model: { sha256: string } };
        const csv = statisticsToSdmxCsv(
          run.map((p) => p.row),
          unique ? run[0].period : run[0].fired.replace(/\.\d+Z$/, ''),
          sdmxMapping(spec.sdmx, manifest.model.sha256),
        );
        return k === 0 ? csv : csv.slice(csv.indexOf('\r\n') + 2); // one header
      });
      return reply.type('application/vnd.sdmx.data+csv; version=2.0.0').send(parts.join('') || '');
    }
    return reply.code(400).send({ error: `format must be json, csv or sdmx (got ${format})` });
  });
  return app;
}
