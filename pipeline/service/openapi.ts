import { z } from 'zod';
import { codeVersion } from '../core/version.js';
import { ScheduleRequestSchema } from './schedules.js';
import { SubmittedJobSchema } from './submit-job.js';
import { RESULT_FILES } from '../jobs/job-dir.js';

const json = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const error = { description: 'error', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } } } };
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const JobStatusSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    state: { enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    stages: { type: 'array', items: { type: 'object', properties: { stage: { type: 'string' }, done: { type: 'integer' }, total: { type: 'integer' }, failed: { type: 'integer' } } } },
    error: { type: ['string', 'null'] },
    submitted: { type: 'string', format: 'date-time' },
    scheduleId: { type: ['string', 'null'] },
    results: { type: 'array', items: { enum: RESULT_FILES.map((r) => r.name) } },
  },
};

/** The API's OpenAPI 3.1 document; request bodies come from the same zod schemas that validate them. */
export function openApiDocument(): object {
  const job = z.toJSONSchema(SubmittedJobSchema, { io: 'input', unrepresentable: 'any' });
  const schedule = z.toJSONSchema(ScheduleRequestSchema, { io: 'input', unrepresentable: 'any' });
  const auth = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: { title: 'satstat service', version: codeVersion(), description: 'Area-of-interest jobs, schedules and regional statistics from satellite imagery. Every route but /health needs a bearer token; each token sees only its own jobs and schedules.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Job: job, ScheduleRequest: schedule, JobStatus: JobStatusSchema } },
    security: auth,
    paths: {
      '/health': { get: { security: [], summary: 'liveness and Redis reachability', responses: { 200: json({ type: 'object' }) } } },
      '/openapi.json': { get: { summary: 'this document', responses: { 200: json({ type: 'object' }) } } },
      '/jobs': {
        post: { summary: 'submit a job (paths relative to the data root)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, responses: { 201: json({ $ref: '#/components/schemas/JobStatus' }), 400: error, 401: error, 413: error } },
        get: { summary: 'your jobs, newest first', responses: { 200: json({ type: 'array', items: { $ref: '#/components/schemas/JobStatus' } }) } },
      },
      '/jobs/{id}': {
        get: { summary: 'state, per-stage progress and error', parameters: [id('id')], responses: { 200: json({ $ref: '#/components/schemas/JobStatus' }), 404: error } },
        delete: {
          summary: 'cancel; with purge=true, delete a finished job with its results',
          parameters: [id('id'), { name: 'purge', in: 'query', schema: { enum: ['true', 'false'] } }],
          responses: { 200: json({ $ref: '#/components/schemas/JobStatus' }), 204: { description: 'purged' }, 400: error, 404: error },
        },
      },
      '/jobs/{id}/results/{name}': {
        get: {
          summary: 'download a result file (a single byte range on request, as a map reading a COG asks)',
          parameters: [id('id'), { name: 'name', in: 'path', required: true, schema: { enum: RESULT_FILES.map((r) => r.name) } }, { name: 'Range', in: 'header', schema: { type: 'string', example: 'bytes=0-16383' } }],
          responses: { 200: { description: 'the file' }, 206: { description: 'the range asked for' }, 404: error, 409: error, 416: error },
        },
      },
      '/inputs': {
        get: {
          summary: 'the inputs in the data roots a job may name: rasters, GeoJSON files, model packages (with their task and classes)',
          responses: { 200: json({ type: 'object', properties: { rasters: { type: 'array', items: { type: 'string' } }, vectors: { type: 'array', items: { type: 'string' } }, models: { type: 'array', items: { type: 'object' } }, truncated: { type: 'boolean' } } }) },
        },
      },
      '/inputs/boundaries': {
        get: {
          summary: 'a GeoJSON file of the data roots (as /inputs lists it) in lon/lat, to pick regions from',
          parameters: [{ name: 'file', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'GeoJSON FeatureCollection (RFC 7946)' }, 400: error, 404: error },
        },
      },
      '/crs/{code}': {
        get: { summary: 'the PROJ definition of an EPSG code (for a web map)', parameters: [id('code')], responses: { 200: json({ type: 'object', properties: { epsg: { type: 'integer' }, name: { type: ['string', 'null'] }, proj4: { type: 'string' } } }), 400: error } },
      },
      '/schedules': {
        post: { summary: 'create a schedule (every ms, or cron)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ScheduleRequest' } } } }, responses: { 201: json({ type: 'object' }), 400: error } },
        get: { summary: 'your schedules', responses: { 200: json({ type: 'array', items: { type: 'object' } }) } },
      },
      '/schedules/{id}': { delete: { summary: 'delete a schedule (its runs stay)', parameters: [id('id')], responses: { 204: { description: 'deleted' }, 404: error } } },
      '/schedules/{id}/series': {
        get: {
          summary: 'time series of the runs: per region, indicator and class',
          parameters: [id('id'), ...['region', 'indicator', 'class'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })), { name: 'format', in: 'query', schema: { enum: ['json', 'csv', 'sdmx'] } }],
          responses: { 200: { description: 'JSON, CSV or SDMX-CSV 2.0' }, 404: error },
        },
      },
    },
  };
}
