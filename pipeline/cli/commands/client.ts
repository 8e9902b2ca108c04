import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import YAML from 'yaml';
import type { z } from 'zod';
import { validate } from '../../config/load-yaml.js';
import { SubmittedJobSchema } from '../../service/submit-job.js';
import { ScheduleRequestSchema } from '../../service/schedules.js';
import type { JobStatus } from '../../service/job-status.js';
import { readFileSync } from 'node:fs';
import { integerOption } from '../parse-options.js';
import { createProgress } from '../progress.js';

/** The API's address and the caller's token, from the environment. */
function api(): { url: string; token: string } {
  const token = process.env.SAT_API_TOKEN;
  if (!token) throw new SatError('E_CONFIG', 'set SAT_API_TOKEN to your API token (and SAT_API_URL if the service is not at http://127.0.0.1:8080)');
  return { url: (process.env.SAT_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''), token };
}

async function call(method: string, route: string, body?: unknown): Promise<Response> {
  const { url, token } = api();
  let response: Response;
  try {
    response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `cannot reach the service at ${url}: ${(err as Error).message}`);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error: string }).error;
    } catch {}
    throw new SatError(response.status === 404 ? 'E_NOT_FOUND' : 'E_INPUT', `${method} ${route}: ${response.status} ${message}`);
  }
  return response;
}

const show = (s: JobStatus) =>
  [`${s.id} (${s.name}): ${s.state}, ${(100 * s.progress).toFixed(0)} %`, ...s.stages.map((st) => `  ${st.stage.padEnd(9)} ${st.done}/${st.total}${st.failed ? ` (${st.failed} failed)` : ''}`), ...(s.error ? [`  error: ${s.error}`] : []), ...(s.results.length ? [`  results: ${s.results.join(', ')}`] : [])].join('\n');

/** Reads a job file for the service: paths stay as written (relative to the service's data root); `out` is dropped. */
function readSubmittedJob(file: string, schema: z.ZodType = SubmittedJobSchema): Record<string, unknown> {
  let value: Record<string, unknown>;
  try {
    value = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SatError('E_INPUT', `cannot read the job ${file}: ${(err as Error).message}`);
  }
  const { out: _out, ...job } = value ?? {};
  validate(schema, job, `invalid job ${file}`, 'E_CONFIG'); // typos fail here, before the network
  return job;
}

/** `sat submit`, `sat status`, `sat cancel`, `sat schedule`, `sat export`: clients of the service's HTTP API. */
export function register(program: Command): void {
  program
    .command('submit')
    .description('submit a job to the service (paths in the job are relative to the service\'s data root); SAT_API_URL, SAT_API_TOKEN')
    .argument('<job>', 'job file (YAML; `out` is ignored: the service keeps results)')
    .option('--wait', 'wait for the job to finish, with a progress bar; exit non-zero if it fails')
    .action(async (file: string, opts: { wait?: boolean }) => {
      const status = (await (await call('POST', '/jobs', readSubmittedJob(file))).json()) as JobStatus;
      process.stdout.write(`${status.id}\n`);
      if (!opts.wait) return;
      const bar = createProgress(status.id);
      let s = status;
      while (s.state === 'queued' || s.state === 'running') {
        await new Promise((r) => setTimeout(r, 500));
        s = (await (await call('GET', `/jobs/${status.id}`)).json()) as JobStatus;
        bar.update(s.progress);
      }
      bar.stop();
      process.stdout.write(`${show(s)}\n`);
      if (s.state !== 'completed') throw new SatError('E_INPUT', `job ${s.id} ${s.state}${s.error ? `: ${s.error}` : ''}`);
    });

  program
    .command('status')
    .description('a job\'s state, per-stage progress, error and results (without an id: your jobs)')
    .argument('[id]', 'job id')
    .option('--json', 'JSON')
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      const body = (await (await call('GET', id ? `/jobs/${encodeURIComponent(id)}` : '/jobs')).json()) as JobStatus | JobStatus[];
      if (opts.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      else process.stdout.write(`${(Array.isArray(body) ? body : [body]).map(show).join('\n')}\n`);
    });

  program
    .command('cancel')
    .description('cancel a job; with --purge, delete a finished job and its results')
    .argument('<id>', 'job id')
    .option('--purge', 'delete the (finished) job, its artifacts and its record')
    .action(async (id: string, opts: { purge?: boolean }) => {
      const response = await call('DELETE', `/jobs/${encodeURIComponent(id)}${opts.purge ? '?purge=true' : ''}`);
      process.stdout.write(opts.purge ? `${id}: deleted\n` : `${show((await response.json()) as JobStatus)}\n`);
    });

  const schedule = program.command('schedule').description('recurring runs of a job');
  schedule
    .command('create')
    .argument('<job>', 'job file (its period defaults to the day each run fires)')
    .option('--every <ms>', 'milliseconds between runs', integerOption('--every'))
    .option('--cron <pattern>', 'cron pattern (UTC), e.g. "0 6 1 * *" for 06:00 on the 1st of each month')
    .option('--period-days <n>', "each run's period: the n days ending on the day it fires (default 1; for a STAC source's composite)", integerOption('--period-days'))
    .action(async (file: string, opts: { every?: number; cron?: string; periodDays?: number }) => {
      const spec = readSubmittedJob(file, ScheduleRequestSchema.shape.spec);
      const created = (await (await call('POST', '/schedules', { spec, ...(opts.every !== undefined ? { every: opts.every } : {}), ...(opts.cron ? { cron: opts.cron } : {}), ...(opts.periodDays !== undefined ? { periodDays: opts.periodDays } : {}) })).json()) as { id: string };
      process.stdout.write(`${created.id}\n`);
    });
  schedule.command('list').action(async () => {
    const list = (await (await call('GET', '/schedules')).json()) as { id: string; every: number | null; cron: string | null; spec: { name: string } }[];
    process.stdout.write(list.map((s) => `${s.id} ${s.spec.name} ${s.every !== null ? `every ${s.every} ms` : `cron ${s.cron}`}`).join('\n') + (list.length ? '\n' : ''));
  });
  schedule
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      await call('DELETE', `/schedules/${encodeURIComponent(id)}`);
    });

  program
    .command('export')
    .description('download a job\'s result (statistics.csv, sdmx.csv, regions.geojson, classes.tif, report.html, ...) or a schedule\'s time series')
    .argument('<id>', 'job id, or schedule id with --series')
    .option('--result <name>', 'result name', 'statistics.csv')
    .option('--series <format>', 'the schedule\'s time series as json, csv or sdmx')
    .option('--region <id>')
    .option('--indicator <name>')
    .option('--class <name>')
    .requiredOption('--out <file>', 'where to write it')
    .action(async (id: string, opts: { result: string; series?: string; region?: string; indicator?: string; class?: string; out: string }) => {
      let route = `/jobs/${encodeURIComponent(id)}/results/${encodeURIComponent(opts.result)}`;
      if (opts.series) {
        const query = new URLSearchParams({ format: opts.series, ...(opts.region ? { region: opts.region } : {}), ...(opts.indicator ? { indicator: opts.indicator } : {}), ...(opts.class ? { class: opts.class } : {}) });
        route = `/schedules/${encodeURIComponent(id)}/series?${query}`;
      }
      const response = await call('GET', route);
      await writeFile(opts.out, Buffer.from(await response.arrayBuffer()));
      process.stdout.write(`${opts.out}\n`);
    });
}
